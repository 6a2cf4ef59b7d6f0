"""Django admin for agency admins: clients, people, creatives, rubric, ratings."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from feedback.models import AuditEvent, Client, Creative, Criterion, Membership, Rating, Score


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class CriterionInline(admin.StackedInline):
    model = Criterion
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "overlap", "retrain_threshold", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, CriterionInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "client", "role"]
    list_filter = ["role", "client"]
    search_fields = ["user__username", "client__slug"]
    autocomplete_fields = ["user"]


@admin.register(Creative)
class CreativeAdmin(admin.ModelAdmin):
    list_display = ["external_id", "client", "headline", "channel", "campaign", "archived", "preview"]
    list_select_related = ["client"]
    list_filter = ["client", "archived", "channel"]
    search_fields = ["external_id", "headline", "body"]
    readonly_fields = ["content_hash", "width", "height", "created_at", "updated_at"]

    @admin.display(description="Thumbnail")
    def preview(self, creative: Creative) -> str:
        if not creative.thumbnail:
            return "—"
        url = reverse("creative-file", args=[creative.client.slug, creative.id, "thumbnail"])
        return format_html('<img src="{}" height="48" alt="">', url)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "scale_min", "scale_max", "order", "active"]
    list_filter = ["client", "active"]


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    readonly_fields = ["criterion", "value"]
    fields = ["criterion", "value"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["id", "client", "creative", "rater", "kind", "status", "submitted_at"]
    list_filter = ["client", "kind", "status"]
    raw_id_fields = ["creative", "rater"]
    inlines = [ScoreInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is only ever added to, by the services."""

    list_display = ["created_at", "action", "actor_name", "client", "target", "ip"]
    list_filter = ["action", "client"]
    search_fields = ["actor_name", "target", "action"]
    list_select_related = ["client"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
