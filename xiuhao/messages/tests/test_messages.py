"""我的消息: notices land in the inbox, a user only ever sees their own messages (pages and API,
administrators included), opening marks read once, the top bar's bell counts unread."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xiuhao.core.notify import Notice, notify
from xiuhao.messages import inbox
from xiuhao.messages.notify import inapp_adapter
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, UserFactory, user_with
from xiuhao.tasks.models import Message

pytestmark = pytest.mark.django_db


def message_for(user, subject="保修即将到期", **kwargs):
    return Message.objects.create(recipient=user, subject=subject, body=kwargs.pop("body", "设备 SN1"),
                                  kind=kwargs.pop("kind", "warranty_expiry"), **kwargs)


@pytest.fixture
def admin():
    return user_with("tasks.view_announcement", data_scope="all", branch=BranchFactory(), is_superuser=True)


# -- the adapter ---------------------------------------------------------------------------------------
def test_a_notice_becomes_one_message_per_active_recipient(settings, django_capture_on_commit_callbacks):
    settings.NOTIFIERS = ["xiuhao.messages.notify.inapp_adapter"]
    li, wang, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[li, wang, gone, None], subject="合同即将到期", body="HT-1 30 天后到期",
               url="/contracts/contract/1/", kind="contract_expiry")
    rows = Message.objects.order_by("recipient_id")
    assert [m.recipient for m in rows] == [li, wang]
    assert {(m.subject, m.kind, m.url, m.read_at) for m in rows} == {
        ("合同即将到期", "contract_expiry", "/contracts/contract/1/", None)}


def test_the_in_app_adapter_is_a_default_notifier_next_to_e_mail():
    from django.conf import settings

    assert "xiuhao.messages.notify.inapp_adapter" in settings.NOTIFIERS
    assert "xiuhao.core.notify.email_adapter" in settings.NOTIFIERS


def test_the_adapter_writes_all_recipients_in_one_insert_and_cuts_a_long_subject():
    users = [UserFactory() for _ in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        inapp_adapter(Notice([u.pk for u in users], "长" * 300, "正文", url="/x/" * 200, kind="k"))
    assert len([q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]) == 1
    assert Message.objects.count() == 5
    message = Message.objects.first()
    assert len(message.subject) == 200 and message.url == ""


def test_a_rolled_back_write_sends_no_message(settings, django_capture_on_commit_callbacks):
    from django.db import transaction

    settings.NOTIFIERS = ["xiuhao.messages.notify.inapp_adapter"]
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[user], subject="x", body="y")
        raise RuntimeError
    assert not Message.objects.exists()


# -- services ------------------------------------------------------------------------------------------
def test_marking_read_is_conditional_and_keeps_the_first_time():
    user = UserFactory()
    message = message_for(user)
    assert inbox.message_mark_read(user=user, message=message) is True
    first = Message.objects.get(pk=message.pk).read_at
    assert inbox.message_mark_read(user=user, message=Message.objects.get(pk=message.pk)) is False
    assert Message.objects.get(pk=message.pk).read_at == first


def test_nobody_marks_someone_elses_message():
    from xiuhao.core.errors import NotFound

    owner, other = UserFactory(), UserFactory()
    message = message_for(owner)
    with pytest.raises(NotFound):
        inbox.message_mark_read(user=other, message=message)
    assert Message.objects.get(pk=message.pk).read_at is None


def test_the_inbox_lists_unread_first_then_newest():
    user = UserFactory()
    old_unread = message_for(user, "旧未读")
    read = message_for(user, "已读")
    new_unread = message_for(user, "新未读")
    inbox.message_mark_read(user=user, message=read)
    assert [m.subject for m in inbox.message_list(user=user)] == [new_unread.subject, old_unread.subject, "已读"]
    assert [m.subject for m in inbox.message_list(user=user, status="read")] == ["已读"]
    assert inbox.unread_count(user) == 2


def test_mark_all_read_touches_only_my_unread_messages_of_the_kind():
    me, other = UserFactory(), UserFactory()
    message_for(me, kind="contract_expiry")
    message_for(me, kind="warranty_expiry")
    theirs = message_for(other)
    assert inbox.messages_mark_all_read(user=me, kind="contract_expiry") == 1
    assert inbox.unread_count(me) == 1
    assert inbox.messages_mark_all_read(user=me) == 1
    assert Message.objects.get(pk=theirs.pk).read_at is None


def test_the_unread_count_is_one_query():
    user = UserFactory()
    for _ in range(3):
        message_for(user)
    with CaptureQueriesContext(connection) as ctx:
        assert inbox.unread_count(user) == 3
    assert len(ctx.captured_queries) == 1


# -- pages ---------------------------------------------------------------------------------------------
def test_my_messages_page_shows_mine_only_even_to_an_administrator(client, admin):
    mine = message_for(admin, "我的消息一")
    theirs = message_for(UserFactory(branch=admin.branch), "别人的消息")
    client.force_login(admin)
    html = client.get(reverse("tasks_inbox")).content.decode()
    assert mine.subject in html and theirs.subject not in html
    assert client.get(reverse("tasks_message_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("tasks_m_message_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("tasks_message_unread", args=[theirs.pk])).status_code == 404
    assert Message.objects.get(pk=theirs.pk).read_at is None


def test_opening_a_message_marks_it_read_and_links_to_the_record(client):
    user = UserFactory()
    message = message_for(user, url="/assets/device/7/")
    client.force_login(user)
    response = client.get(reverse("tasks_message_detail", args=[message.pk]))
    assert response.status_code == 200
    assert 'href="/assets/device/7/"' in response.content.decode()
    assert Message.objects.get(pk=message.pk).read_at is not None
    client.post(reverse("tasks_message_unread", args=[message.pk]))
    assert Message.objects.get(pk=message.pk).read_at is None


def test_a_link_that_leaves_the_app_by_a_script_scheme_is_not_shown(client):
    user = UserFactory()
    message = message_for(user, url="javascript:alert(1)")
    client.force_login(user)
    assert "javascript:" not in client.get(reverse("tasks_message_detail", args=[message.pk])).content.decode()


def test_the_inbox_filters_by_read_state_and_kind(client):
    user = UserFactory()
    message_for(user, "合同消息", kind="contract_expiry")
    read = message_for(user, "保修消息", kind="warranty_expiry")
    inbox.message_mark_read(user=user, message=read)
    client.force_login(user)
    unread_html = client.get(reverse("tasks_inbox"), {"status": "unread"}).content.decode()
    assert "合同消息" in unread_html and "保修消息" not in unread_html
    kind_html = client.get(reverse("tasks_inbox"), {"kind": "warranty_expiry"}).content.decode()
    assert "保修消息" in kind_html and "合同消息" not in kind_html
    partial = client.get(reverse("tasks_inbox"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    assert "<html" not in partial.content.decode() and 'data-testid="inbox"' in partial.content.decode()


def test_mark_all_read_on_the_page_then_back_to_the_list(client):
    user = UserFactory()
    message_for(user)
    message_for(user)
    client.force_login(user)
    response = client.post(reverse("tasks_inbox_read_all"), {"next": "/messages/?status=unread"})
    assert response.status_code == 302 and response["Location"] == "/messages/?status=unread"
    assert inbox.unread_count(user) == 0
    evil = client.post(reverse("tasks_inbox_read_all"), {"next": "https://evil.example.com/"})
    assert evil["Location"] == reverse("tasks_inbox")
    assert client.get(reverse("tasks_inbox_read_all")).status_code == 405


def test_the_top_bar_bell_shows_the_unread_count_and_polls_a_tiny_partial(client):
    user = UserFactory()
    message_for(user)
    message_for(user)
    client.force_login(user)
    page = client.get(reverse("tasks_inbox")).content.decode()
    assert 'id="xh-unread"' in page and 'hx-trigger="every 30s"' in page
    assert 'data-testid="unread-badge">2<' in page
    with CaptureQueriesContext(connection) as ctx:
        bell = client.get(reverse("tasks_inbox"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="xh-unread")
    html = bell.content.decode()
    assert bell.status_code == 200 and html.strip().startswith("<a") and ">2<" in html
    counts = [q for q in ctx.captured_queries if "tasks_message" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0]["sql"].upper()


def test_the_bell_of_a_logged_out_page_answers_no_content_instead_of_the_login_page(client):
    response = client.get(reverse("tasks_inbox"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="xh-unread")
    assert response.status_code == 204
    assert client.get(reverse("tasks_inbox")).status_code == 302


def test_the_phone_inbox_has_the_messages_tab_with_the_unread_badge(client):
    user = UserFactory(outlet=OutletFactory())
    message = message_for(user, "网点消息")
    client.force_login(user)
    html = client.get(reverse("tasks_m_inbox")).content.decode()
    assert "weui-tabbar" in html and "网点消息" in html
    assert 'class="weui-badge xh-m-tabbar__badge">1<' in html
    assert client.get(reverse("tasks_m_message_detail", args=[message.pk])).status_code == 200
    assert inbox.unread_count(user) == 0


def test_the_menu_has_my_messages_and_the_board_for_everyone(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert reverse("tasks_inbox") in html and reverse("tasks_announcement_board") in html


# -- API -----------------------------------------------------------------------------------------------
API = "/api/v1/tasks/messages/"


def test_the_api_gives_an_administrator_only_their_own_messages(client, admin):
    mine = message_for(admin)
    theirs = message_for(UserFactory(branch=admin.branch))
    client.force_login(admin)
    listing = client.get(API).json()
    assert [row["id"] for row in listing["results"]] == [mine.pk] and listing["count"] == 1
    for url in (f"{API}{theirs.pk}/",):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    for action in ("read", "unread"):
        response = client.post(f"{API}{theirs.pk}/{action}/", {}, content_type="application/json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.post(f"{API}read-all/", {}, content_type="application/json").json() == {"marked": 1}
    assert Message.objects.get(pk=theirs.pk).read_at is None


def test_the_api_lists_filters_marks_and_counts(client):
    user = UserFactory()
    a = message_for(user, kind="contract_expiry")
    message_for(user, kind="warranty_expiry")
    client.force_login(user)
    assert client.get(f"{API}unread-count/").json() == {"unread": 2}
    assert [r["id"] for r in client.get(API, {"kind": "contract_expiry"}).json()["results"]] == [a.pk]
    assert client.get(f"{API}{a.pk}/").json()["is_read"] is False  # reading the API does not mark
    body = client.post(f"{API}{a.pk}/read/", {}, content_type="application/json").json()
    assert body["is_read"] is True and body["read_at"]
    assert [r["id"] for r in client.get(API, {"status": "read"}).json()["results"]] == [a.pk]
    assert client.post(f"{API}read-all/", {"kind": "warranty_expiry"}, content_type="application/json").json() == {
        "marked": 1}
    assert client.get(f"{API}unread-count/").json() == {"unread": 0}


def test_the_api_wants_a_login(client):
    response = client.get(API)
    assert response.status_code in (401, 403) and "error" in response.json()
