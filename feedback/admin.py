"""Django admin for agency admins: clients, people, creatives, rubric, ratings, API tokens, the audit log."""
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from feedback.api.authentication import client_ip
from feedback.models import ApiToken, AuditEvent, Client, Creative, Criterion, Membership, Rating, Score
from feedback.services.tenancy import membership_change_record
from feedback.services.tokens import api_tokens_revoke_selected


def _audit_membership_form(request, membership: Membership, previous_role: str | None) -> None:
    membership_change_record(membership=membership, previous_role=previous_role, actor=request.user,
                             ip=client_ip(request))


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

    def save_formset(self, request, form, formset, change):
        """Memberships added or changed in the client's page are audited like any other."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        previous = {f.instance.pk: f.initial.get("role") for f in formset.forms if f.instance.pk}
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
            _audit_membership_form(request, membership, previous.get(membership.pk))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "client", "role"]
    list_filter = ["role", "client"]
    search_fields = ["user__username", "client__slug"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("role") if change else None
        super().save_model(request, obj, form, change)
        _audit_membership_form(request, obj, previous)


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: who holds which, until when, last seen; admins revoke them (they are issued by logging in)."""

    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_reason", "ip"]
    list_filter = ["revoked_reason"]
    search_fields = ["user__username", "prefix"]
    list_select_related = ["user"]
    # The digest and session hash stay off every page: nothing here helps to forge a token.
    fields = readonly_fields = ["user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at",
                                "revoked_reason", "ip"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = api_tokens_revoke_selected(token_ids=list(queryset.values_list("id", flat=True)), actor=request.user,
                                           ip=client_ip(request))
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)
