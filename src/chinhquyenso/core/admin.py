from django.contrib import admin

from .models import AuditEntry, OutgoingEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows records without letting the admin bypass the services that change them
    (and write the audit log)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log is append-only."""

    list_display = ("seq", "at", "actor_label", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("action", "object_repr", "actor_label")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "status", "created_at", "sent_at")
    list_filter = ("status",)
    readonly_fields = ("to", "subject", "body", "status", "created_at", "sent_at", "attempts",
                       "last_error")
