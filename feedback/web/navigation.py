"""The navigation bar's entries, declared once, and what each member sees of them.

An entry names its page by URL name, the least role that may open it and whether it belongs to a
client (`/c/<slug>/…`) or to the agency (superusers only). The bar, the home page and the client
switcher all read `NAV_ITEMS`, so adding a page to the navigation is one line here. URL names are
strings: the review and training pages are linked without `feedback` importing those apps.
"""
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from feedback.models import ROLE_RANK, Role
from feedback.selectors import client_list_for_user

# Not a membership role: only superusers (agency admins) see these entries.
AGENCY = "agency"


@dataclass(frozen=True)
class NavItem:
    """One entry of the bar: `sections` are URL-name prefixes of the pages it stands for."""

    label: str
    url_name: str
    minimum_role: str
    needs_client: bool = True
    sections: tuple[str, ...] = ()

    def matches(self, url_name: str) -> int:
        """How specifically this entry stands for a page (0: not at all), so the longest match wins."""
        prefixes = (self.url_name, *self.sections)
        return max((len(p) for p in prefixes if url_name == p or url_name.startswith(p)), default=0)


NAV_ITEMS = (
    NavItem("Rate", "rate", Role.RATER),
    NavItem("Quality", "review-dashboard", Role.REVIEWER, sections=("review-",)),
    NavItem("Flags", "review-flags", Role.REVIEWER, sections=("review-flag",)),
    NavItem("Models", "training-overview", Role.REVIEWER, sections=("training-",)),
    NavItem("Creatives", "creative-list", Role.MANAGER, sections=("creative-",)),
    NavItem("Rubric", "rubric", Role.MANAGER, sections=("rubric-",)),
    NavItem("Members", "members", Role.MANAGER, sections=("member-",)),
    NavItem("Settings", "client-settings", Role.MANAGER),
    NavItem("All clients", "agency-clients", AGENCY, needs_client=False, sections=("agency-client",)),
    NavItem("Transfer check", "agency-transfer", AGENCY, needs_client=False),
)


@dataclass(frozen=True)
class NavLink:
    """An entry made concrete for one member: its label, its URL and whether it is the current page."""

    label: str
    url: str
    url_name: str
    current: bool = False


def items_for_role(role: str) -> list[NavItem]:
    """The client entries a member with `role` may use, in bar order."""
    rank = ROLE_RANK[Role(role)]
    return [item for item in NAV_ITEMS if item.needs_client and ROLE_RANK[Role(item.minimum_role)] <= rank]


def client_links(*, slug: str, role: str, current_url_name: str = "") -> list[NavLink]:
    """One client's entries for this role, the one standing for `current_url_name` marked current."""
    items = items_for_role(role)
    current = _current_item(items, current_url_name)
    return [
        NavLink(item.label, reverse(item.url_name, kwargs={"client_slug": slug}), item.url_name, item is current)
        for item in items
    ]


def agency_links(*, user: AbstractBaseUser, current_url_name: str = "") -> list[NavLink]:
    """The agency-wide entries, for superusers only."""
    if not user.is_superuser:
        return []
    items = [item for item in NAV_ITEMS if item.minimum_role == AGENCY]
    current = _current_item(items, current_url_name)
    return [NavLink(item.label, reverse(item.url_name), item.url_name, item is current) for item in items]


def section_url(*, slug: str, role: str, url_name: str) -> str:
    """Where switching to client `slug` lands: the same section when `role` may use it, else its first page."""
    items = items_for_role(role)
    item = _current_item(items, url_name) or items[0]
    return reverse(item.url_name, kwargs={"client_slug": slug})


def navigation(request) -> dict:
    """Context processor: the bar of the page being rendered (nothing for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": None}
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name or "") if match else ""
    slug = match.kwargs.get("client_slug") if match else None
    clients = client_list_for_user(user=user)
    current = next(((client, role) for client, role in clients if client.slug == slug), None)
    if current is None and slug is None and len(clients) == 1:
        current = clients[0]  # a page of no client (home): someone in one client sees that client's bar
    return {"nav": {
        "client": current[0] if current else None,
        "role": current[1] if current else None,
        "links": client_links(slug=current[0].slug, role=current[1], current_url_name=url_name) if current else [],
        "agency": agency_links(user=user, current_url_name=url_name),
        "clients": clients,
        "section": url_name if current else "",
    }}


def _current_item(items: list[NavItem], url_name: str) -> NavItem | None:
    scored = [(item.matches(url_name), item) for item in items] if url_name else []
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] else None
