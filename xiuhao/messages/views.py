"""Pages of 我的消息 (desktop and phone), the 公告 board, and the announcement moves (detail-page
actions of 公告管理).

The top bar's bell polls the inbox URL with `HX-Target: xh-unread` every 30 s and gets only the
bell back (one COUNT); the list reloads as a partial for `HX-Target: inbox-list`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiuhao.core.errors import NotFound
from xiuhao.core.pages import mobile_tabs
from xiuhao.tasks.models import Message

from . import announcements, inbox

PER_PAGE = 20
BADGE_TARGET = "xh-unread"


def _mobile_context(request, title, back_url=None):
    return {"mobile_tabs": mobile_tabs(request), "page_title": title, "back_url": back_url}


def _filters(request):
    status = request.GET.get("status", "")
    status = status if status in (inbox.UNREAD, inbox.READ) else ""
    return status, request.GET.get("kind", "")[:60]


def _inbox_context(request):
    status, kind = _filters(request)
    rows = inbox.message_list(user=request.user, status=status, kind=kind)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for message in page.object_list:
        message.kind_label = inbox.kind_label(message.kind)
    return {
        "page": page, "status": status, "kind": kind, "kinds": inbox.message_kinds(user=request.user),
        "unread_total": inbox.unread_count(request.user),
        "statuses": [("", _("All")), (inbox.UNREAD, _("Unread")), (inbox.READ, _("Read"))],
    }


def badge(request):
    """The bell of the top bar (polled): an unknown session gets 204 so that htmx keeps the bell."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    # Rendered without the request: the shell's context processors (menu, count) would cost more
    # than the answer itself.
    html = render_to_string("messages/inbox_badge.html", {"unread_count": inbox.unread_count(request.user),
                                                       "messages_url": reverse("tasks_inbox")})
    return HttpResponse(html)


def inbox_page(request):
    if request.htmx and request.htmx.target == BADGE_TARGET:
        return badge(request)
    return _inbox_page(request)


@login_required
def _inbox_page(request):
    context = {**_inbox_context(request), "breadcrumbs": [(_("Task centre"), None), (_("My messages"), None)],
               "page_title": _("My messages")}
    template = "messages/inbox.html"
    if request.htmx and request.htmx.target == "inbox-list":
        template = "messages/inbox.html#list"
    return TemplateResponse(request, template, context)


@login_required
def inbox_mobile(request):
    context = {**_inbox_context(request), **_mobile_context(request, _("My messages"))}
    return TemplateResponse(request, "messages/inbox_mobile.html", context)


def _open(request, pk):
    try:
        message = inbox.message_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    inbox.message_mark_read(user=request.user, message=message)
    message.kind_label = inbox.kind_label(message.kind)
    return message, inbox.safe_link(message.url)


@login_required
def message_detail(request, pk):
    message, link = _open(request, pk)
    context = {"message": message, "link": link, "page_title": message.subject,
               "breadcrumbs": [(_("Task centre"), None), (_("My messages"), reverse("tasks_inbox")),
                               (message.subject, None)]}
    return TemplateResponse(request, "messages/inbox_detail.html", context)


@login_required
def message_detail_mobile(request, pk):
    message, link = _open(request, pk)
    if message.announcement_id:
        link = reverse("tasks_m_announcement_read", args=[message.announcement_id])
    context = {"message": message, "link": link, **_mobile_context(request, message.subject,
                                                                   reverse("tasks_m_inbox"))}
    return TemplateResponse(request, "messages/inbox_detail_mobile.html", context)


def _back(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def mark_all_read(request):
    count = inbox.messages_mark_all_read(user=request.user, kind=request.POST.get("kind", "")[:60])
    messages.success(request, _("%(count)s messages marked as read.") % {"count": count})
    return _back(request, "tasks_inbox")


@login_required
@require_POST
def mark_unread(request, pk):
    try:
        message = inbox.message_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    inbox.message_mark_unread(user=request.user, message=message)
    return _back(request, "tasks_inbox")


# -- the 公告 board ------------------------------------------------------------------------------------
def _board_context(request):
    page = Paginator(announcements.board_for(request.user).select_related("created_by"), PER_PAGE)
    return {"page": page.get_page(request.GET.get("page"))}


@login_required
def board(request):
    context = {**_board_context(request), "page_title": _("Announcements"),
               "breadcrumbs": [(_("Task centre"), None), (_("Announcements"), None)]}
    return TemplateResponse(request, "messages/announcement_board.html", context)


@login_required
def board_mobile(request):
    context = {**_board_context(request), **_mobile_context(request, _("Announcements"))}
    return TemplateResponse(request, "messages/announcement_board_mobile.html", context)


def _read(request, pk):
    announcement = announcements.board_for(request.user).select_related("created_by").filter(pk=pk).first()
    if announcement is None:
        raise Http404
    # Reading the announcement reads its message too.
    for message in Message.objects.filter(announcement=announcement, recipient=request.user, read_at__isnull=True):
        inbox.message_mark_read(user=request.user, message=message)
    return announcement


@login_required
def announcement_read(request, pk):
    announcement = _read(request, pk)
    context = {"announcement": announcement, "page_title": announcement.title,
               "breadcrumbs": [(_("Task centre"), None), (_("Announcements"), reverse("tasks_announcement_board")),
                               (announcement.title, None)]}
    return TemplateResponse(request, "messages/announcement_read.html", context)


@login_required
def announcement_read_mobile(request, pk):
    announcement = _read(request, pk)
    context = {"announcement": announcement,
               **_mobile_context(request, announcement.title, reverse("tasks_m_announcement_board"))}
    return TemplateResponse(request, "messages/announcement_read_mobile.html", context)
