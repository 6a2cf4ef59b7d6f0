"""Forms of the managers' creative pages: the list's filters and the edit form."""
import json

from django import forms

from feedback.api.parsers import json_parse
from feedback.models import Creative

# The columns the edit form shows as their own fields; the rest of `metadata` is edited as JSON.
OWN_FIELDS = ("channel", "format", "campaign", "tags")
ARCHIVED_CHOICES = [("", "All"), ("no", "Active only"), ("yes", "Archived only")]


class CreativeFilterForm(forms.Form):
    """GET filters; the choices are the values the client's creatives use."""

    campaign = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False)
    format = forms.ChoiceField(required=False)
    tag = forms.ChoiceField(required=False)
    archived = forms.ChoiceField(required=False, choices=ARCHIVED_CHOICES)

    def __init__(self, data, *, choices: dict[str, list[str]]):
        super().__init__(data)
        labels = {"campaign": "Any campaign", "channel": "Any channel", "format": "Any format", "tag": "Any tag"}
        for name, label in labels.items():
            self.fields[name].choices = [("", label)] + [(value, value) for value in choices[name]]

    def clean_archived(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["archived"])


class CreativeEditForm(forms.Form):
    """Copy and metadata of one creative; `metadata` holds the keys without a field of their own."""

    headline = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 4}))
    channel = forms.CharField(required=False, max_length=64)
    format = forms.CharField(required=False, max_length=64)
    campaign = forms.CharField(required=False, max_length=200)
    tags = forms.CharField(required=False, max_length=2000, help_text="Separated by semicolons, as in the CSV.")
    metadata = forms.CharField(
        required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text='Any other fields, as a JSON object, e.g. {"brand": "Acme", "size": "1080x1080"}.',
    )

    @classmethod
    def for_creative(cls, creative: Creative) -> "CreativeEditForm":
        extra = {key: value for key, value in creative.metadata.items() if key not in OWN_FIELDS}
        return cls(initial={
            "headline": creative.headline, "body": creative.body, "channel": creative.channel,
            "format": creative.format, "campaign": creative.campaign, "tags": "; ".join(creative.tags),
            "metadata": json.dumps(extra, indent=2, ensure_ascii=False) if extra else "",
        })

    def clean_metadata(self) -> dict:
        text = self.cleaned_data["metadata"].strip()
        try:
            value = json_parse(text) if text else {}
        except ValueError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('Must be a JSON object in braces, e.g. {"brand": "Acme"}.')
        clashes = sorted(set(value) & set(OWN_FIELDS))
        if clashes:
            raise forms.ValidationError(f"Set {', '.join(clashes)} in the field(s) above, not in the JSON.")
        return value

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(";") if tag.strip()]

    def update_data(self) -> dict:
        """What creative_update takes: copy, and metadata with the own fields folded in."""
        data = self.cleaned_data
        metadata = {**data["metadata"], **{name: data[name] for name in OWN_FIELDS}}
        return {"headline": data["headline"], "body": data["body"], "metadata": metadata}
