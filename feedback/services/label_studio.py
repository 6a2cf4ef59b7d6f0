"""Import a Label Studio JSON export: its tasks become creatives, its annotations ratings.

Label Studio's JSON export is a list of tasks, each `{"id", "data": {"image": ...}, "annotations":
[{"id", "completed_by", "result": [{"from_name", "to_name", "type", "value"}], "lead_time",
"created_at", "was_cancelled"}]}`. One annotation becomes one rating; each of its results whose
control (`from_name`) maps onto a criterion gives that criterion's score. Ratings go through
`rating_create`, so every invariant of a rating holds, and their `client_uuid` is derived from the
client and the Label Studio task and annotation ids, so importing the same export again creates
nothing new.

A task's image is only ever a file name: with a folder of images (the command) the file with
that base name is read from the folder and upserted as a creative; without one (the API) the task
is matched to a creative already uploaded, by `data.external_id` or the image's file name without
suffix. Nothing is ever downloaded: the server never fetches URLs.
"""
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from feedback.models import Client, Creative, Criterion, Membership, Role
from feedback.services.creatives import CreativeInput, creative_upsert
from feedback.services.ratings import RatingInput, rating_create
from feedback.services.tenancy import membership_set

# Every imported rating's client_uuid is uuid5(this, "<client id>:<task id>:<annotation id>").
IMPORT_NAMESPACE = uuid.UUID("6f1c1d1e-6c1a-4e55-9a52-2d7a1b4f0b11")
SCORE_TYPES = ("choices", "rating", "number")
MAX_REPORTED_SKIPS = 200
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class ImportOptions:
    """How controls, choices and annotators of the export map onto this client."""

    # Label Studio control name (`from_name`) -> criterion name; unmapped controls match a
    # criterion of the same name (case-insensitive).
    controls: dict[str, str] = field(default_factory=dict)
    # Control name -> its choices in scale order (the first is the criterion's lowest point).
    choices: dict[str, list[str]] = field(default_factory=dict)
    # Label Studio user id (as text) -> username, for exports whose completed_by is a bare id.
    annotators: dict[str, str] = field(default_factory=dict)
    # Create missing users (unusable password) and give non-members the rater role.
    create_raters: bool = False


@dataclass
class ImportSummary:
    """What an import did: counts, every skip with its reason, and the controls nothing maps."""

    creatives: Counter = field(default_factory=Counter)  # created / updated / matched
    ratings: Counter = field(default_factory=Counter)  # created / unchanged / skipped
    tasks_skipped: int = 0
    skipped: list[dict] = field(default_factory=list)
    skip_reasons: Counter = field(default_factory=Counter)
    unmapped_controls: Counter = field(default_factory=Counter)
    raters_added: list[str] = field(default_factory=list)

    def skip(self, *, task, annotation=None, reason: str) -> None:
        self.skip_reasons[reason.split(":")[0]] += 1
        if len(self.skipped) < MAX_REPORTED_SKIPS:
            self.skipped.append({"task": task, "annotation": annotation, "reason": reason})

    def as_dict(self) -> dict:
        return {
            "creatives": dict(self.creatives),
            "ratings": {"created": 0, "unchanged": 0, "skipped": 0, **self.ratings},
            "tasks_skipped": self.tasks_skipped,
            "skipped": self.skipped,
            "skipped_not_listed": max(0, sum(self.skip_reasons.values()) - len(self.skipped)),
            "unmapped_controls": dict(self.unmapped_controls),
            "raters_added": self.raters_added,
        }


# Reads a file of the images folder by base name: its bytes, or None when there is no such file.
ImageReader = Callable[[str], bytes | None]


def label_studio_tasks_validate(data) -> list[dict]:
    """The export's tasks: a JSON list of objects (a `{"tasks": [...]}` wrapper is accepted too)."""
    if isinstance(data, dict) and isinstance(data.get("tasks"), list):
        data = data["tasks"]
    if not isinstance(data, list):
        raise ValidationError({"tasks": ["A Label Studio JSON export is a list of tasks."]})
    bad = [str(index) for index, task in enumerate(data) if not isinstance(task, dict)]
    if bad:
        raise ValidationError({"tasks": [f"Each task must be a JSON object; not task(s) at {', '.join(bad[:10])}."]})
    return data


def label_studio_import(
    *,
    client: Client,
    tasks: list[dict],
    options: ImportOptions,
    read_image: ImageReader | None = None,
    actor: AbstractBaseUser | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> ImportSummary:
    """Import every task and annotation it can; each one it cannot is skipped with its reason."""
    summary = ImportSummary()
    importer = _Importer(client=client, options=options, summary=summary, actor=actor)
    for task in progress(tasks):
        importer.task(task, read_image)
    return summary


class _Importer:
    def __init__(self, *, client, options, summary, actor):
        self.client, self.options, self.summary, self.actor = client, options, summary, actor
        self.criteria = list(Criterion.objects.filter(client=client, active=True))
        by_name = {criterion.name.lower(): criterion for criterion in self.criteria}
        self.by_control = {control: by_name.get(name.lower()) for control, name in options.controls.items()}
        unknown = sorted(control for control, criterion in self.by_control.items() if criterion is None)
        if unknown:
            names = ", ".join(c.name for c in self.criteria) or "none"
            raise ValidationError({"map": [
                f"{control}={options.controls[control]}: no active criterion of that name (criteria: {names})."
                for control in unknown[:10]
            ]})
        self.by_name = by_name
        self.users: dict[str, AbstractBaseUser | str] = {}

    # Tasks ---------------------------------------------------------------------------------

    def task(self, task: dict, read_image: ImageReader | None) -> None:
        task_id = task.get("id")
        creative, problem = self._creative(task, read_image)
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            creative, problem = None, "annotations must be a list"
        if creative is None:
            self.summary.tasks_skipped += 1
            self.summary.skip(task=task_id, reason=problem)
            self.summary.ratings["skipped"] += len(annotations) if isinstance(annotations, list) else 0
            return
        # The rating's identity: the task and annotation ids, or (where an export lacks them) the
        # image and the annotation's position, so that the same export always names the same ratings.
        task_key = task_id if task_id is not None else f"image:{task['data']['image']}"
        for index, annotation in enumerate(annotations):
            annotation_id = annotation.get("id") if isinstance(annotation, dict) else None
            annotation_id = annotation_id if annotation_id is not None else f"#{index}"
            reason = (
                self._annotation(f"{task_key}:{annotation_id}", creative, annotation)
                if isinstance(annotation, dict) else "annotation is not a JSON object"
            )
            if reason:
                self.summary.ratings["skipped"] += 1
                self.summary.skip(task=task_id, annotation=annotation_id, reason=reason)

    def _creative(self, task: dict, read_image: ImageReader | None) -> tuple[Creative | None, str]:
        data = task.get("data")
        if not isinstance(data, dict):
            return None, "task has no data object"
        image = data.get("image")
        if not isinstance(image, str) or not image.strip():
            return None, "task has no data.image"
        name = image_file_name(image)
        is_url = bool(_SCHEME.match(image.strip())) or image.strip().startswith("//")
        external_id = str(data.get("external_id") or PurePosixPath(name).stem)[:200]
        if read_image is None:
            creative = Creative.objects.filter(client=self.client, external_id=external_id).first()
            if creative is None:
                return None, (
                    f"no creative: none has external_id {external_id!r}; upload its image first "
                    "(creatives API or import_creatives), then import the annotations"
                )
            self.summary.creatives["matched"] += 1
            return creative, ""
        content = read_image(name) if name else None
        if content is None:
            if is_url:
                return None, (
                    f"image is a URL: the server never fetches URLs ({image[:80]}); "
                    f"put the file {name or '(no file name)'} in the images folder"
                )
            return None, f"image file not found: no {name or '(no file name)'} in the images folder"
        headline, body = data.get("headline"), data.get("body")
        try:
            result = creative_upsert(client=self.client, data=CreativeInput(
                external_id=external_id, image=content, filename=name,
                headline=headline if isinstance(headline, str) else "",
                body=body if isinstance(body, str) else "",
            ))
        except ValidationError as exc:
            return None, f"image refused: {name}: {'; '.join(exc.messages)}"
        self.summary.creatives["created" if result.created else "updated"] += 1
        return result.creative, ""

    # Annotations ---------------------------------------------------------------------------

    def _annotation(self, identity: str, creative: Creative, annotation: dict) -> str:
        """Import one annotation as a rating; the reason it was skipped, or "" when imported."""
        if annotation.get("was_cancelled"):
            return "cancelled: the annotator skipped this task in Label Studio"
        results = annotation.get("result")
        if not isinstance(results, list):
            return "annotation has no result list"
        scores, problem = self._scores(results)
        if problem:
            return problem
        missing = [c.name for c in self.criteria if c.id not in scores]
        if missing:
            return f"no score: the annotation has no result for {', '.join(missing)} (every active criterion needs one)"
        rater, problem = self._rater(annotation.get("completed_by"))
        if problem:
            return problem
        try:
            _, created = rating_create(client=self.client, rater=rater, data=RatingInput(
                creative_id=creative.id,
                scores={str(criterion_id): value for criterion_id, value in scores.items()},
                client_uuid=uuid.uuid5(IMPORT_NAMESPACE, f"{self.client.id}:{identity}"),
                duration_ms=_duration_ms(annotation.get("lead_time")),
                submitted_at=_when(annotation.get("created_at")),
            ))
        except ValidationError as exc:
            return f"refused: {'; '.join(exc.messages)}"
        self.summary.ratings["created" if created else "unchanged"] += 1
        return ""

    def _scores(self, results: list) -> tuple[dict[int, int], str]:
        scores: dict[int, int] = {}
        for result in results:
            if not isinstance(result, dict):
                return {}, "a result is not a JSON object"
            control = str(result.get("from_name") or "")
            criterion = self.by_control.get(control) or (
                None if control in self.options.controls else self.by_name.get(control.lower())
            )
            if criterion is None:
                self.summary.unmapped_controls[control or "(no from_name)"] += 1
                continue
            value, problem = self._value(control, criterion, result)
            if problem:
                return {}, problem
            if criterion.id in scores and scores[criterion.id] != value:
                return {}, f"conflicting scores: two results give {criterion.name} different values"
            scores[criterion.id] = value
        return scores, ""

    def _value(self, control: str, criterion: Criterion, result: dict) -> tuple[int | None, str]:
        kind, value = result.get("type"), result.get("value")
        if kind not in SCORE_TYPES:
            return None, f"unsupported type: {control} is a {kind!r} result, not choices, rating or number"
        if not isinstance(value, dict):
            return None, f"unsupported type: {control} has no value object"
        if kind == "choices":
            picked = value.get("choices")
            if not isinstance(picked, list) or len(picked) != 1:
                return None, f"not one choice: {control} must pick exactly one choice"
            number, problem = self._choice_point(control, criterion, str(picked[0]))
            if problem:
                return None, problem
        else:
            raw = value.get(kind)
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw):
                return None, f"not a whole number: {control} {kind} is {str(raw)[:40]!r}"
            number = int(raw)
        if not criterion.scale_min <= number <= criterion.scale_max:
            return None, (
                f"outside the scale: {control} gives {number}, "
                f"{criterion.name} is {criterion.scale_min}..{criterion.scale_max}"
            )
        return number, ""

    def _choice_point(self, control: str, criterion: Criterion, choice: str) -> tuple[int | None, str]:
        order = self.options.choices.get(control)
        if order:
            if choice not in order:
                return None, f"unknown choice: {choice[:40]!r} is not one of --choices {control}"
            return criterion.scale_min + order.index(choice), ""
        if re.fullmatch(r"[+-]?\d+", choice.strip()):
            return int(choice), ""
        anchors = {str(text).strip().lower(): point for point, text in (criterion.anchors or {}).items()}
        point = anchors.get(choice.strip().lower())
        if point is not None and str(point).lstrip("-").isdigit():
            return int(point), ""
        return None, (
            f"unknown choice: {choice[:40]!r} of {control} is neither a number nor an anchor of "
            f"{criterion.name}; give its order with --choices {control}=A,B,C"
        )

    def _rater(self, completed_by) -> tuple[AbstractBaseUser | None, str]:
        username, email = _annotator_identity(completed_by, self.options.annotators)
        if not username and not email:
            if isinstance(completed_by, dict):
                completed_by = completed_by.get("id")
            return None, (
                f"unknown annotator: Label Studio user {str(completed_by)[:40]} has no email; "
                f"map it with --annotator {str(completed_by)[:20]}=<username>"
            )
        key = f"{username}|{email}"
        if key not in self.users:
            self.users[key] = self._member(username=username, email=email)
        found = self.users[key]
        return (found, "") if not isinstance(found, str) else (None, found)

    def _member(self, *, username: str, email: str) -> AbstractBaseUser | str:
        users = get_user_model().objects
        user = users.filter(username=username).first() if username else None
        if user is None and email:
            matches = list(users.filter(email__iexact=email)[:2])
            if len(matches) > 1:
                return f"ambiguous annotator: several users have the email {email}"
            user = matches[0] if matches else None
        who = username or email
        if user is not None and Membership.objects.filter(client=self.client, user=user).exists():
            return user
        if not self.options.create_raters:
            if user is None:
                return f"unknown annotator: no user {who} (use --create-raters to add them as raters)"
            return f"not a member: {who} does not belong to this client (use --create-raters to add them as raters)"
        try:
            membership, _ = membership_set(
                client=self.client, username=user.get_username() if user else who, email=email,
                role=Role.RATER, actor=self.actor,
            )
        except ValidationError as exc:
            return f"cannot add annotator {who}: {'; '.join(exc.messages)}"
        self.summary.raters_added.append(membership.user.get_username())
        return membership.user


def image_file_name(image: str) -> str:
    """The base name of a task's image reference: `/data/upload/1/x.png`, `s3://b/x.png`,
    `/data/local-files/?d=folder/x.png` all name `x.png`."""
    parts = urlsplit(image.strip())
    local = parse_qs(parts.query).get("d")
    path = local[0] if local else parts.path
    return PurePosixPath(path.replace("\\", "/")).name


def _annotator_identity(completed_by, annotators: dict[str, str]) -> tuple[str, str]:
    """(username, email) of an annotation's author; `completed_by` is an id, an email or an object."""
    if isinstance(completed_by, dict):
        email = str(completed_by.get("email") or "").strip()
        username = str(completed_by.get("username") or "").strip()
        mapped = annotators.get(str(completed_by.get("id")))
        return (mapped or username), ("" if mapped else email)
    if isinstance(completed_by, str) and "@" in completed_by:
        return "", completed_by.strip()
    if isinstance(completed_by, int | str) and not isinstance(completed_by, bool):
        return annotators.get(str(completed_by), ""), ""
    return "", ""


def _duration_ms(lead_time) -> int | None:
    """Label Studio's lead_time (seconds, a float) in milliseconds; None when absent or odd."""
    if isinstance(lead_time, bool) or not isinstance(lead_time, int | float) or not 0 <= lead_time < 86_400:
        return None
    return round(lead_time * 1000)


def _when(text) -> datetime | None:
    """The annotation's created_at (ISO 8601), when it is one with a time zone."""
    if not isinstance(text, str):
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None
