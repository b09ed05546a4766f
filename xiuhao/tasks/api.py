"""API of the Task Centre beyond the registry's CRUD: my open tasks with counts per type, the grab
pool, and the moves of a task declared in Task.moves (claim, complete, transfer, return, urge,
reassign, cancel), each with Idempotency-Key and its error codes in the schema.

Errors are the platform's: 400 bad input, 403 not allowed, 404 not found or outside the data
scope, 409 the task moved meanwhile, with the task's codes (e.g. `task_already_claimed` "This task
has already been claimed by X.")."""

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from xiuhao.core.api import idempotent
from xiuhao.core.registry import registry

from . import selectors
from .models import Task

# The registry derives this serializer; the URLconf imports this module after it is filled.
TaskSerializer = registry.configs["tasks.task"].serializer


class TaskEmptySerializer(serializers.Serializer):
    pass


class TaskCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                    help_text="One of the task type's outcomes (e.g. approve / reject), if it has any.")
    data = serializers.DictField(required=False, default=dict,
                                 help_text="The task type's form fields; checked by its form for the outcome "
                                           "(the same rules as the task page).")


class _TaskToUserSerializer(serializers.Serializer):
    to_user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    reason = serializers.CharField(max_length=255)


class TaskTransferSerializer(_TaskToUserSerializer):
    pass


class TaskReassignSerializer(_TaskToUserSerializer):
    pass


class TaskReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class TaskUrgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class TaskCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class _TaskMove(APIView):
    """One move of a task (declared in Task.moves); `_move_view` makes each endpoint."""

    permission_classes = [permissions.IsAuthenticated]
    body = TaskEmptySerializer
    move = ""

    def task(self, request, pk):
        if self.move == "claim":  # a claimant who just lost still hears who won (409)
            task = selectors.claim_target(request.user, pk)
        else:
            task = selectors.task_for_page(request.user, pk)
        if task is None:
            raise Http404
        return task

    @idempotent
    def post(self, request, pk):
        body = self.body(data=request.data)
        body.is_valid(raise_exception=True)
        task = Task.moves.perform(self.move, actor=request.user, obj=self.task(request, pk),
                                  data=dict(body.validated_data))
        task.refresh_from_db()
        return Response(TaskSerializer(task, context={"request": request}).data)


def _move_view(name, body, summary):
    """The endpoint of move `name` of Task.moves: its service, input and documented error codes."""
    codes = Task.moves[name].error_codes()

    def post(self, request, pk):
        return _TaskMove.post(self, request, pk)

    post = extend_schema(request=body, responses=TaskSerializer, summary=summary, operation_id=f"tasks_task_{name}",
                         description="Error codes — " + "; ".join(f"{status}: {', '.join(names)}"
                                                                  for status, names in codes.items()) + ".",
                         extensions={"x-error-codes": codes})(post)
    return type(f"Task{name.title()}View", (_TaskMove,), {"move": name, "body": body, "post": post})


TaskClaimView = _move_view(
    "claim", TaskEmptySerializer, "Claim a pool task 抢任务 (exactly one claimant wins; the others get 409)")
TaskCompleteView = _move_view("complete", TaskCompleteSerializer, "Complete my task with its form data and outcome")
TaskTransferView = _move_view(
    "transfer", TaskTransferSerializer, "Transfer 转派 my task to someone else (reason required)")
TaskReturnView = _move_view(
    "return", TaskReasonSerializer, "Return 退回 my task: to the pool, the previous assignee or its creator")
TaskUrgeView = _move_view("urge", TaskUrgeSerializer, "Urge 催单 the assignee of an open task (notifies them)")
TaskReassignView = _move_view(
    "reassign", TaskReassignSerializer, "Reassign a task to someone (manager: tasks.reassign_task)")
TaskCancelView = _move_view(
    "cancel", TaskCancelSerializer, "Cancel an active task (its creator or tasks.change_task)")


@extend_schema_serializer(many=False)  # the page itself: not a list of pages
class MyTasksPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Open tasks per task type code")
    results = TaskSerializer(many=True)


class MyTasksView(generics.ListAPIView):
    """My open tasks, most urgent first, with the count per task type over all of them."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TaskSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.my_open_tasks(None).none()
        qs = selectors.my_open_tasks(self.request.user)
        kind = self.request.query_params.get("kind")
        return qs.filter(kind=kind) if kind else qs

    @extend_schema(
        summary="My open tasks with counts per task type",
        parameters=[OpenApiParameter("kind", str, description="Only the tasks of this task type code "
                                     "(the counts stay over all my open tasks)")],
        responses=MyTasksPageSerializer,
    )
    def get(self, request, *args, **kwargs):
        response = self.list(request, *args, **kwargs)
        response.data["counts"] = selectors.counts_by_kind(selectors.my_open_tasks(request.user))
        return response


class PoolView(generics.ListAPIView):
    """Tasks waiting in the pool that I may claim."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TaskSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.pool_for(None)
        return selectors.pool_for(self.request.user).order_by("-priority", "due_at", "created_at", "pk")

    @extend_schema(summary="The grab pool: tasks I may claim")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)
