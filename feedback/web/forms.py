"""Forms of the setup pages: they parse what a manager typed; the services decide what is allowed.

A form checks types only (a number is a number, a role is a role). Every rule of the domain (anchors
for every point, ranges, the last manager) lives in `feedback.services`, whose ValidationErrors are
put back on the form's fields by `add_service_errors`.
"""
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from feedback.models import CLIENT_SETTING_RANGES, Client, Criterion, Role
from feedback.services.rubric import ANCHOR_EVERY_POINT_UP_TO

# A form's default scale when a new criterion is started (the model's defaults).
DEFAULT_SCALE = (1, 5)
# The widest scale a criterion may have (the database allows scale_max - scale_min <= 100).
WIDEST_SPAN = 100


def add_service_errors(form: forms.Form, error: ValidationError, extra: dict[str, list] | None = None) -> None:
    """Show a service's ValidationError next to the form's fields; keys the form lacks go to `extra`
    when it has that key (the anchors, shown beside their fieldset), else to the top of the form."""
    errors = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    for field, messages in errors.items():
        if field in form.fields and not form.fields[field].disabled:
            form.add_error(field, messages)
        elif extra is not None and field in extra:
            extra[field].extend(messages)
        else:
            form.add_error(None, messages)


class CriterionForm(forms.Form):
    """One criterion: name, question, scale, level, and an anchor field per scale point shown."""

    name = forms.CharField(max_length=100)
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    scale_min = forms.IntegerField(min_value=-1000, max_value=1000, label="Lowest point")
    scale_max = forms.IntegerField(min_value=-1000, max_value=1000, label="Highest point")
    level = forms.ChoiceField(choices=Criterion.Level.choices, initial=Criterion.Level.ORDINAL,
                              help_text="Ordinal for ranked grades (most rubrics), interval when the steps are "
                              "equal, nominal for unordered categories.")

    def __init__(self, *args, criterion: Criterion | None = None, scale_locked: bool = False, **kwargs):
        if criterion is not None:
            kwargs.setdefault("initial", {
                "name": criterion.name, "question": criterion.question, "scale_min": criterion.scale_min,
                "scale_max": criterion.scale_max, "level": criterion.level,
            })
        else:
            kwargs.setdefault("initial", {"scale_min": DEFAULT_SCALE[0], "scale_max": DEFAULT_SCALE[1]})
        super().__init__(*args, **kwargs)
        self.anchors = dict(criterion.anchors) if criterion is not None else {}
        if scale_locked:
            self.fields["scale_min"].disabled = self.fields["scale_max"].disabled = True
        self.points = self._points_shown()
        for point in self.points:
            self.fields[f"anchor_{point}"] = forms.CharField(
                required=False, max_length=500, label=str(point), initial=self.anchors.get(str(point), "")
            )

    def anchor_fields(self):
        """The anchor fields as bound fields, lowest point first."""
        return [self[f"anchor_{point}"] for point in self.points]

    def criterion_data(self) -> dict:
        """What the services take, from cleaned data: the fields and the non-empty anchors."""
        data = {name: self.cleaned_data[name] for name in ("name", "question", "scale_min", "scale_max", "level")}
        data["anchors"] = {
            str(point): self.cleaned_data[f"anchor_{point}"].strip()
            for point in self.points if self.cleaned_data.get(f"anchor_{point}", "").strip()
        }
        return data

    def _points_shown(self) -> list[int]:
        """Every point of the scale being edited; for a wide scale its two ends and the anchors it has."""
        low, high = self._scale()
        if high - low + 1 <= ANCHOR_EVERY_POINT_UP_TO:
            return list(range(low, high + 1))
        kept = {int(p) for p in self.anchors if p.lstrip("-").isdigit() and low <= int(p) <= high}
        return sorted({low, high} | kept)

    def _scale(self) -> tuple[int, int]:
        initial = (self.initial.get("scale_min", DEFAULT_SCALE[0]), self.initial.get("scale_max", DEFAULT_SCALE[1]))
        if not self.is_bound or self.fields["scale_min"].disabled:
            return initial
        try:
            low, high = int(self.data.get("scale_min", "")), int(self.data.get("scale_max", ""))
        except ValueError:
            return initial
        return (low, high) if low < high and high - low <= WIDEST_SPAN else initial


class MemberAddForm(forms.Form):
    """Someone who has an account, by username or email, and the role they get."""

    person = forms.CharField(max_length=254, label="Username or email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.RATER)


class MemberRoleForm(forms.Form):
    """A member's new role."""

    role = forms.ChoiceField(choices=Role.choices)


class ClientSettingsForm(forms.Form):
    """The five settings a manager may change, each with its allowed range as the input's bounds."""

    overlap = forms.IntegerField()
    repeat_rate = forms.FloatField()
    gold_rate = forms.FloatField()
    lease_seconds = forms.IntegerField(label="Lease (seconds)")
    retrain_threshold = forms.IntegerField()

    def __init__(self, *args, client: Client, **kwargs):
        kwargs.setdefault("initial", {name: getattr(client, name) for name in CLIENT_SETTING_RANGES})
        super().__init__(*args, **kwargs)
        for name, (low, high) in CLIENT_SETTING_RANGES.items():
            field = self.fields[name]
            field.help_text = Client._meta.get_field(name).help_text
            step = "0.01" if isinstance(field, forms.FloatField) else "1"
            field.widget.attrs.update({"min": low, "max": high, "step": step})

