"""Owners manage people and API keys: invitations, roles, deactivation, the last owner, "last used"."""
import pytest
import re
import threading

from django.core import mail
from django.test import Client

from accounts import selectors, services
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.usefixtures("tables")


def signed_in(staff) -> Client:
    client = Client()
    assert client.post("/staff/login/", {"email": staff.email, "password": PASSWORD}).status_code == 302
    return client


def test_an_owner_invites_staff_who_set_a_password_and_sign_in(staff_client):
    response = staff_client.post("/staff/people/", {"email": "New.Person@example.com", "name": "Nia", "role": "staff"})
    assert response.status_code == 302
    [invitation] = mail.outbox
    assert invitation.to == ["new.person@example.com"] and staff_client.staff.email in invitation.body
    link = re.search(r"http://testserver(/staff/set-password/\S+)", invitation.body).group(1)
    newcomer = Client()
    form = newcomer.get(link, follow=True)
    new_password = "a-brand-new-passphrase"
    assert newcomer.post(form.request["PATH_INFO"], {"new_password": new_password, "new_password_confirm": new_password}).status_code == 302
    assert newcomer.post("/staff/login/", {"email": "new.person@example.com", "password": new_password}).status_code == 302
    page = staff_client.get("/staff/people/").content.decode()
    assert "new.person@example.com" in page and f"by {staff_client.staff.email}" in page
    again = staff_client.post("/staff/people/", {"email": "new.person@example.com", "role": "staff"})
    assert again.status_code == 400 and "already has a staff account" in again.content.decode()
    bad = staff_client.post("/staff/people/", {"email": "not an email", "role": "king"})
    assert bad.status_code == 400 and "Enter a valid email address" in bad.content.decode()


def test_staff_who_are_not_owners_cannot_manage_people_or_keys():
    clerk = signed_in(make_staff(role="staff"))
    assert clerk.get("/staff/people/").status_code == 403
    assert clerk.get("/staff/api-keys/").status_code == 403
    assert clerk.post("/staff/people/", {"email": "x@example.com", "role": "owner"}).status_code == 403
    dashboard = clerk.get("/staff/").content.decode()
    assert clerk.get("/staff/customers/").status_code == 200 and "/staff/people/" not in dashboard
    assert Client().get("/staff/people/").status_code == 302  # anonymous: to the login


def test_deactivating_ends_the_sessions_and_roles_change(staff_client):
    clerk = make_staff(role="staff")
    clerk_client = signed_in(clerk)
    url = f"/staff/people/{clerk.email}/change/"
    staff_client.post(url, {"change": "owner"})
    assert selectors.staff_find(email=clerk.email).role == "owner"
    assert clerk_client.get("/staff/people/").status_code == 200
    staff_client.post(url, {"change": "deactivate"})
    assert clerk_client.get("/staff/").status_code == 302  # signed out on the next request
    assert Client().post("/staff/login/", {"email": clerk.email, "password": PASSWORD}).status_code == 400
    staff_client.post(url, {"change": "reactivate"})
    assert signed_in(clerk)
    own = staff_client.post(f"/staff/people/{staff_client.staff.email}/change/", {"change": "deactivate"}, follow=True)
    assert "You cannot change your own account" in own.content.decode()
    assert "No such person" in staff_client.post("/staff/people/nobody@example.com/change/", {"change": "x"},
                                                 follow=True).content.decode()


def test_the_last_active_owner_stays_even_when_two_owners_demote_each_other_at_once(conflict_hold):
    first, second = make_staff(), make_staff()
    with_both = []

    def demote(target, actor):
        try:
            services.staff_change(email=target.email, role="staff", actor=actor.email)
            with_both.append("demoted")
        except services.LastOwner:
            with_both.append("refused")

    threads = [threading.Thread(target=demote, args=(first, second)), threading.Thread(target=demote, args=(second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(with_both) == ["demoted", "refused"]
    roles = {selectors.staff_find(email=s.email).role for s in (first, second)}
    assert roles == {"owner", "staff"}
    last = first if selectors.staff_find(email=first.email).role == "owner" else second
    try:
        services.staff_change(email=last.email, active=False, actor="test")
        raise AssertionError("the last owner was deactivated")
    except services.LastOwner:
        pass


def test_api_keys_show_when_they_were_last_used(staff_client):
    page = staff_client.post("/staff/api-keys/", {"name": "CRM", "scopes": ["customers"]}).content.decode()
    key = re.search(r'<code class="secret">(sk_[^<]+)</code>', page).group(1)
    assert "never" in staff_client.get("/staff/api-keys/").content.decode()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/customers").status_code == 200
    listing = staff_client.get("/staff/api-keys/").content.decode()
    assert re.search(r'data-label="Last used">\d{4}-\d\d-\d\d \d\d:\d\d<', listing)


def test_staff_changes_refuse_unknown_roles_and_people_and_say_when_nothing_changes():
    import pytest
    from pynamodb.exceptions import DoesNotExist

    from shopsite.transactions import StaleEdit

    owner, clerk = make_staff(), make_staff(role="staff")
    with pytest.raises(ValueError):
        services.staff_create(email="x@example.com", password=None, role="king")
    with pytest.raises(ValueError):
        services.staff_change(email=clerk.email, role="king", actor=owner.email)
    with pytest.raises(DoesNotExist):
        services.staff_change(email="nobody@example.com", active=False, actor=owner.email)
    assert services.staff_change(email=clerk.email, role="staff", actor=owner.email).role == "staff"  # no change
    stale = selectors.staff_find(email=clerk.email)
    services.staff_change(email=clerk.email, active=False, actor=owner.email)
    from unittest import mock

    with mock.patch.object(selectors, "staff_find", return_value=stale), \
            mock.patch("accounts.services.staff.staff_find", return_value=stale), pytest.raises(StaleEdit):
        services.staff_change(email=clerk.email, role="owner", actor=owner.email)
    assert selectors.staff_find(email=clerk.email).role == "staff"


def test_an_account_from_before_roles_can_be_made_an_owner_from_the_command_line():
    import io

    from django.core.management import call_command

    from accounts.models import Staff

    make_staff()  # an owner already exists
    old = make_staff(role="staff")
    Staff(old.email).update(actions=[Staff.role.remove()])
    out = io.StringIO()
    call_command("createstaff", "--email", old.email, stdout=out)
    assert "Role changed to owner" in out.getvalue() and selectors.staff_find(email=old.email).role == "owner"
