"""Start the platform: migrate, load the demo data when asked and the database is
empty, collect static files, then run the web server (gunicorn) and the background
task worker side by side until interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError

from chinhquyenso.cli import describe_database


class Command(BaseCommand):
    help = (
        "Run Chính quyền số: migrate the database, optionally load the demo data (only into "
        "an empty database), collect static files, and serve the site with a background "
        "task worker. HOST and PORT come from the options or the environment."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                            help="Address to listen on (default: $HOST or 127.0.0.1).")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                            help="Port to listen on (default: $PORT or 8000).")
        parser.add_argument("--demo", action="store_true",
                            help="Load the demo data set when the database is empty.")
        parser.add_argument("--web-workers", type=int, default=2,
                            help="Number of web processes (default: 2).")
        parser.add_argument("--web-threads", type=int, default=2,
                            help="Requests each web process serves at once (default: 2; more "
                                 "only helps when requests wait on other systems).")
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not start the background task worker.")

    def handle(self, *args, host, port, demo, web_workers, web_threads, no_worker, **options):
        if web_workers < 1 or web_threads < 1:
            raise CommandError("--web-workers và --web-threads phải từ 1 trở lên.")
        step = self.step
        step(f"Kiểm tra cơ sở dữ liệu ({describe_database(settings.DATABASES['default'])})")
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            raise CommandError(
                f"Không kết nối được cơ sở dữ liệu: {str(exc).strip().splitlines()[0]}") from exc
        step("Cập nhật cấu trúc cơ sở dữ liệu (migrate)")
        call_command("migrate", interactive=False, verbosity=0)
        if demo:
            from chinhquyenso.demo.loading import database_is_empty

            if database_is_empty():
                step("Nạp dữ liệu mẫu của thành phố Vĩnh Yên (lần đầu)")
                call_command("load_demo", if_empty=True, stdout=self.stdout)
            else:
                from chinhquyenso.demo.management.commands.load_demo import print_demo_accounts

                step("Dữ liệu đã có sẵn: dùng lại")
                print_demo_accounts(self.stdout)
        step("Chuẩn bị tệp tĩnh (collectstatic)")
        call_command("collectstatic", interactive=False, verbosity=0)
        connection.close()

        processes: list[subprocess.Popen] = []
        env = {**os.environ}
        if not no_worker:
            processes.append(self.start_worker(env))
        step(f"Khởi động máy chủ web tại http://{host}:{port}/")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "chinhquyenso.wsgi:application",
             "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", str(web_threads),
             "--worker-class", "gthread", "--timeout", "120", "--access-logfile", "-",
             # path without the query string: searches by identification number must
             # not end up in the access log
             "--access-logformat", '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
             "--log-level", "warning"],
            env=env))
        self.wait_until_ready(host, port, processes)

        def stop(signum, frame):
            for proc in processes:
                if proc.poll() is None:
                    proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(proc.poll() is None for proc in processes):
                time.sleep(0.5)
        finally:
            stop(None, None)
            for proc in processes:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        codes = [proc.returncode for proc in processes]
        if any(code not in (0, -signal.SIGTERM, -signal.SIGINT) for code in codes):
            raise CommandError(f"Một tiến trình đã dừng bất thường (exit codes {codes}).")

    def step(self, message: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"==> {message}"))
        self.stdout.flush()

    def start_worker(self, env) -> subprocess.Popen:
        manage = [sys.executable, "-m", "django"]
        env = {**env, "DJANGO_SETTINGS_MODULE": "chinhquyenso.settings"}
        if settings.REDIS_URL:
            self.step("Khởi động bộ xử lý tác vụ nền (RQ trên Redis)")
            cmd = [*manage, "rqworker", "default", "--with-scheduler"]
        else:
            self.step("Khởi động bộ xử lý tác vụ nền (trong cơ sở dữ liệu)")
            cmd = [*manage, "db_worker", "--queue-name", "*", "--no-reload", "--interval", "2"]
        return subprocess.Popen(cmd, env=env)

    def wait_until_ready(self, host: str, port: int, processes) -> None:
        shown = "localhost" if host in {"0.0.0.0", "::"} else host  # noqa: S104
        url = f"http://{shown}:{port}/healthz"
        for _ in range(120):
            if any(proc.poll() is not None for proc in processes):
                raise CommandError("Máy chủ không khởi động được (xem thông báo ở trên).")
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own server
                    break
            except OSError:
                time.sleep(0.5)
        self.stdout.write(self.style.SUCCESS(
            f"Sẵn sàng: http://{shown}:{port}/ — nhấn Ctrl+C để dừng."))
        self.stdout.flush()
