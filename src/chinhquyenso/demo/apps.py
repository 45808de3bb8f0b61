from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "chinhquyenso.demo"
    label = "demo"
    verbose_name = "Demo data"
