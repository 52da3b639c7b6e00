"""The one page flow of every import: upload → preview (a dry run) → confirm (the import).

A page declares its import as an `ImportSpec` and returns `import_page(request, spec)`:

- a POST with a file checks it with a dry run and shows what would be created and changed (or the
  rows' errors); when something would change, the file is kept (metrics.imports.uploads) and a
  confirmation form carries its token and the chosen options;
- a POST with a token imports the kept file, all or nothing, and redirects with a message; the
  token is spent. A token that is not this user's (or this page's), or options that differ from
  those checked, import nothing. Importing the same file again changes nothing. What the preview
  read (the outcome's `seen`: the monthly import's versions) is kept with the file and given back
  to the import, which refuses it all when a month changed since the preview.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics.imports import uploads
from metrics.imports.pipeline import MAX_BYTES, ImportFileError


class ImportUploadForm(forms.Form):
    """The upload: a CSV file of at most 5 MB; an import's form adds its options as fields."""

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8 (with or without BOM) or Shift_JIS, at most 5 MB. Headers in Japanese or English."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ConfirmImportForm(forms.Form):
    """Confirms a previewed import: the kept file's token and the options it was checked with."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in options:
            self.fields[name] = forms.CharField(widget=forms.HiddenInput, required=False)


@dataclass
class ImportSpec:
    """What an import page declares.

    `run(raw, *, options, dry_run, user, source_name)` runs the import and returns its outcome
    (metrics.imports.pipeline.Outcome with `changed`); `options` are the upload form's fields other
    than the file. When the dry run's outcome has `seen` (not None), the confirmed import is also
    given `seen=` (what the dry run read). `done(outcome)` is the message after the import. With
    `import_at_once`, a file posted with action=import is imported without the preview (the
    adoption page's button).
    """

    form: Callable[..., ImportUploadForm]
    run: Callable
    template: str
    done: Callable[[object], str]
    context: dict = field(default_factory=dict)
    import_at_once: bool = False


def import_page(request, spec: ImportSpec):
    form, outcome, confirm = spec.form(), None, None
    if request.method == "POST" and "token" in request.POST:
        upload = uploads.kept(request, request.POST["token"])
        if upload is None or _options_differ(request.POST, upload.options):
            messages.error(request, _("The uploaded file is no longer available. Please upload it again."))
            return redirect(request.path)
        read = {} if upload.seen is None else {"seen": upload.seen}
        try:
            outcome = spec.run(
                upload.raw,
                options=upload.options,
                dry_run=False,
                user=request.user,
                source_name=upload.filename,
                **read,
            )
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        if not outcome.error_count:
            uploads.discard(request, upload.token)
            messages.success(request, spec.done(outcome))
            return redirect(request.path)
    elif request.method == "POST":
        form = spec.form(request.POST, request.FILES)
        if form.is_valid():
            outcome, confirm = _check(request, spec, form)
    context = {**spec.context, "form": form, "outcome": outcome, "confirm": confirm}
    return render(request, spec.template, context)


def _options_differ(posted, options: dict) -> bool:
    """Whether the confirmation posts other options than the file was checked with."""
    return any(name in posted and posted[name] != str(value) for name, value in options.items())


def _check(request, spec: ImportSpec, form: ImportUploadForm):
    """The dry run of an uploaded file (or, with `import_at_once`, the import); the confirmation
    form when there is something to import."""
    file = form.cleaned_data["file"]
    raw = file.read()
    options = {name: value for name, value in form.cleaned_data.items() if name != "file"}
    at_once = spec.import_at_once and request.POST.get("action") == "import"
    try:
        outcome = spec.run(
            raw, options=options, dry_run=not at_once, user=request.user, source_name=file.name
        )
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return None, None
    if at_once or outcome.error_count or not outcome.changed:
        return outcome, None
    token = uploads.keep(request, raw, file.name, options=options, seen=outcome.seen)
    return outcome, ConfirmImportForm(initial={"token": token, **options}, options=options)
