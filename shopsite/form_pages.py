"""Pages built around a form, as every app renders them: a 400 when it has errors, a stale edit kept with the
new version, a confirmed delete. Views call these; forms themselves stay in each app's forms.py."""
from django.contrib import messages
from django.shortcuts import redirect, render


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
    return render(request, template, context, status=400 if context["form"].errors else 200)


def delete_confirmed(request, *, template: str, context: dict, delete, done: str, done_message: str,
                     gone: tuple = (), refusals: dict | None = None):
    """A staff delete page: GET asks for confirmation, POST runs *delete* and goes to the URL named *done*.

    Exceptions in *gone* mean someone deleted it first (same outcome); each
    exception in *refusals* is shown with its message instead of deleting.
    """
    if request.method != "POST":
        return render(request, template, context)
    try:
        delete()
    except gone:
        pass
    except tuple(refusals or ()) as refused:
        messages.error(request, next(text for kind, text in refusals.items() if isinstance(refused, kind)))
        return redirect(done)
    messages.success(request, done_message)
    return redirect(done)
