"""API of 我的消息 and the announcement board (included before the registry's router).

    GET  /api/v1/tasks/messages/?status=unread|read&kind=…   my messages, unread first
    GET  /api/v1/tasks/messages/{id}/                        one of my messages
    POST /api/v1/tasks/messages/{id}/read/ | …/unread/       mark it read / unread
    POST /api/v1/tasks/messages/read-all/                    {"kind"?} → {"marked": n}
    GET  /api/v1/tasks/messages/unread-count/                {"unread": n}
    GET  /api/v1/tasks/announcement-board/[{id}/]            published announcements addressed to me
    (the announcement moves …/submit/ and …/withdraw/ are declared in Announcement.moves)

Messages are always the caller's own — no role, not even an administrator's, widens that."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from xiuhao.core.registry import registry
from xiuhao.tasks.models import Announcement, Message

from . import announcements, inbox

AnnouncementSerializer = registry.configs["tasks.announcement"].serializer


class MessageSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "kind", "kind_label", "subject", "body", "url", "announcement", "created_at", "read_at",
                  "is_read"]
        read_only_fields = fields

    def get_kind_label(self, obj) -> str:
        return str(inbox.kind_label(obj.kind))

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                 help_text="Only messages of this kind (default: all).")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many messages were unread and are read now.")


class EmptySerializer(serializers.Serializer):
    pass


class BoardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Announcement
        fields = ["id", "title", "body", "audience", "published_at", "created_by"]
        read_only_fields = fields


class _Mine(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def message(self, request, pk):
        return inbox.message_get(user=request.user, pk=pk)


STATUS_PARAM = OpenApiParameter("status", OpenApiTypes.STR, enum=["unread", "read"],
                                description="unread or read (default: both)")
KIND_PARAM = OpenApiParameter("kind", OpenApiTypes.STR, description="Message kind, e.g. announcement")


@extend_schema(parameters=[STATUS_PARAM, KIND_PARAM], summary="My messages, unread first")
class MessageListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MessageSerializer
    filter_backends = []

    def get_queryset(self):
        status = self.request.query_params.get("status", "")
        return inbox.message_list(user=self.request.user, status=status if status in ("unread", "read") else "",
                                  kind=self.request.query_params.get("kind", "")[:60])


class MessageDetailView(_Mine):
    @extend_schema(responses=MessageSerializer, summary="One of my messages (reading it does not mark it read)")
    def get(self, request, pk):
        return Response(MessageSerializer(self.message(request, pk)).data)


class MessageReadView(_Mine):
    @extend_schema(request=EmptySerializer, responses=MessageSerializer, summary="Mark one of my messages read")
    def post(self, request, pk):
        message = self.message(request, pk)
        inbox.message_mark_read(user=request.user, message=message)
        return Response(MessageSerializer(message).data)


class MessageUnreadView(_Mine):
    @extend_schema(request=EmptySerializer, responses=MessageSerializer, summary="Mark one of my messages unread")
    def post(self, request, pk):
        message = self.message(request, pk)
        inbox.message_mark_unread(user=request.user, message=message)
        return Response(MessageSerializer(message).data)


class MessageReadAllView(_Mine):
    @extend_schema(request=ReadAllSerializer, responses=MarkedSerializer, summary="Mark all my messages read")
    def post(self, request):
        data = ReadAllSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = inbox.messages_mark_all_read(user=request.user, kind=data.validated_data.get("kind", ""))
        return Response({"marked": marked})


class UnreadCountView(_Mine):
    @extend_schema(responses=UnreadCountSerializer, summary="How many of my messages are unread")
    def get(self, request):
        return Response({"unread": inbox.unread_count(request.user)})


# -- the board --------------------------------------------------------------------------------------
@extend_schema(summary="Published announcements addressed to me, newest first")
class BoardListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = BoardSerializer
    filter_backends = []

    def get_queryset(self):
        return announcements.board_for(self.request.user)


class BoardDetailView(_Mine):
    @extend_schema(responses=BoardSerializer, summary="One published announcement addressed to me")
    def get(self, request, pk):
        return Response(BoardSerializer(get_object_or_404(announcements.board_for(request.user), pk=pk)).data)


