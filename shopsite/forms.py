"""Form helpers shared by every app."""


def form_with_stale_error(form, *, current_version: int | None, what: str, **form_kwargs):
    """Rebuild a bound *form* after a stale edit: keep what the user typed, take the new version, say why."""
    data = form.data.copy()
    data["version"] = current_version or 0
    stale = form.__class__(data, form.files, initial=form.initial, **form_kwargs)
    stale.is_valid()
    stale.add_error(
        None,
        f"Someone else saved {what} while you were editing. Your changes are kept below; "
        "check them against the current values and save again.",
    )
    return stale


def render_form(request, template: str, context: dict):
    """Render a page whose ``form`` is in *context*: 400 when it has errors, so clients and tests can tell."""
    from django.shortcuts import render

    return render(request, template, context, status=400 if context["form"].errors else 200)
