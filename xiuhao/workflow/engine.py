"""SpiffWorkflow behind a small interface: parse and check a BPMN file, start a workflow, load and
dump its state, list its ready user tasks, timers and step states.

Flavour: SpiffWorkflow's "spiff" extensions. A user task names its task type and who gets it with
`<spiffworkflow:properties>` (taskType, assignee, candidateRole, candidatePermission,
candidateDepartment, candidateRegion, candidateSkill, dueIn, title — see docs/workflow.md); a
service task names its handler with `<spiffworkflow:serviceTaskOperator id="…">`.

Expressions (gateway conditions, `${…}` property values, timer durations) are evaluated with
simpleeval over the process variables — never Python's eval — and script tasks are refused: logic
lives in service handlers, which are reviewed code, not in an uploaded file.

Parsed specs are cached per definition id in process memory (a definition version never changes).
The state stored on the instance is SpiffWorkflow's BpmnWorkflowSerializer dictionary without the
spec (it is rebuilt from the cached definition), so a row holds only the task tree and its data.
"""

import ast
import datetime
import hashlib
import re
import threading
from dataclasses import dataclass, field
from uuid import UUID

from django.utils.translation import gettext as _
from lxml import etree
from simpleeval import EvalWithCompoundTypes
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from . import handlers

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
USER_TASK_PROPERTIES = {"taskType", "title", "assignee", "candidateRole", "candidatePermission", "candidateDepartment",
                        "candidateRegion", "candidateSkill", "dueIn", "priority"}
# ISO 8601 durations and date-times may be written bare (PT4H) rather than as quoted expressions.
ISO_LITERAL = re.compile(r"^(R\d*/)?(P[0-9WYMDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.+\-Z]+)?)$", re.IGNORECASE)
EXPRESSION = re.compile(r"^\$\{(.+)\}$", re.DOTALL)
SAFE_FUNCTIONS = {"len": len, "str": str, "int": int, "float": float, "bool": bool, "min": min, "max": max,
                  "abs": abs, "round": round}


class InvalidBpmn(Exception):
    """The file cannot become a process definition; `messages` say why, in the user's language."""

    def __init__(self, messages):
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))


class ProcessError(Exception):
    """A step of a running process failed (a handler raised, an expression did not evaluate)."""


class StateUnreadable(ProcessError):
    """The state stored on an instance cannot be restored (empty — the row was not made by
    process_start —, damaged, or written for another version of the definition or the engine)."""


# -- parsing ---------------------------------------------------------------------------------------
@dataclass
class Step:
    """A user or service task of a process model, as the Task Centre and the checks need it."""

    id: str
    name: str
    kind: str  # "user" | "service"
    properties: dict = field(default_factory=dict)
    handler: str = ""


@dataclass
class ParsedProcess:
    key: str
    name: str
    spec: object
    subprocess_specs: dict
    steps: dict  # bpmn id -> Step
    checksum: str = ""


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _as_bytes(xml) -> bytes:
    return xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)


def _safe_tree(data: bytes):
    # Uploaded files: no external entities, no network, no huge trees.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidBpmn([_("The file is not well-formed XML: %(error)s") % {"error": exc}]) from exc


def parse_bpmn(xml) -> ParsedProcess:
    """Parse one BPMN 2.0 file holding one executable process. Raises InvalidBpmn."""
    data = _as_bytes(xml)
    if not data.strip():
        raise InvalidBpmn([_("The file is empty.")])
    root = _safe_tree(data)
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise InvalidBpmn([_("This is not a BPMN 2.0 file (its root element is not bpmn:definitions).")])
    problems = []
    seen, duplicates = set(), set()
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        node_id = node.get("id")
        if node_id:
            (duplicates if node_id in seen else seen).add(node_id)
    if duplicates:
        problems.append(_("These ids are used more than once: %(ids)s") % {"ids": ", ".join(sorted(duplicates))})
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if len(processes) != 1:
        problems.append(_("The file must hold exactly one process (it holds %(count)s).") % {"count": len(processes)})
    scripts = [n.get("id") for n in root.iter(f"{{{BPMN_NS}}}scriptTask")]
    if scripts:
        problems.append(_("Script tasks are not allowed (%(ids)s); use a service task with a handler.")
                        % {"ids": ", ".join(scripts)})
    for node in root.iter(f"{{{BPMN_NS}}}conditionExpression"):
        text = (node.text or "").strip()
        try:
            ast.parse(text, mode="eval")
        except SyntaxError:
            problems.append(_("The condition “%(text)s” is not a valid expression.") % {"text": text})
    if problems:
        raise InvalidBpmn(problems)
    process = processes[0]
    key = process.get("id")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename=f"{key}.bpmn")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise InvalidBpmn([_("The BPMN model is invalid: %(error)s") % {"error": exc}]) from exc
    except Exception as exc:  # the parser raises plain exceptions for some malformed models
        raise InvalidBpmn([_("The BPMN model could not be read: %(error)s") % {"error": exc}]) from exc
    steps = {}
    for each in [spec, *subprocess_specs.values()]:
        for task_spec in each.task_specs.values():
            kind = type(task_spec).__name__
            extensions = getattr(task_spec, "extensions", None) or {}
            if kind == "UserTask":
                steps[task_spec.bpmn_id] = Step(task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id, "user",
                                                dict(extensions.get("properties", {})))
            elif kind == "ServiceTask":
                steps[task_spec.bpmn_id] = Step(task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id, "service",
                                                handler=task_spec.operation_name)
    for step in steps.values():
        if step.kind == "user":
            if not step.properties.get("taskType"):
                problems.append(_("The user task “%(step)s” does not name its task type (property taskType).")
                                % {"step": step.name})
            unknown = set(step.properties) - USER_TASK_PROPERTIES
            if unknown:
                problems.append(_("The user task “%(step)s” has unknown properties: %(names)s")
                                % {"step": step.name, "names": ", ".join(sorted(unknown))})
            due = step.properties.get("dueIn", "")
            if due and not EXPRESSION.match(due) and not _is_duration(due):
                problems.append(_("The user task “%(step)s” has dueIn “%(value)s”, which is not an ISO 8601 "
                                  "duration such as PT4H.") % {"step": step.name, "value": due})
    for node in root.iter(f"{{{BPMN_NS}}}timeDuration"):
        text = (node.text or "").strip()
        if ISO_LITERAL.match(text) and not _is_duration(text):
            problems.append(_("The timer duration “%(text)s” is not valid.") % {"text": text})
    if problems:
        raise InvalidBpmn(problems)
    return ParsedProcess(key=key, name=process.get("name") or key, spec=spec, subprocess_specs=subprocess_specs,
                         steps=steps)


def _is_duration(text):
    try:
        TimerEventDefinition.parse_iso_duration(text)
        return text.upper().startswith("P")
    except Exception:
        return False


def duration(text) -> datetime.timedelta:
    parsed = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parsed)


def check_references(parsed: ParsedProcess) -> list:
    """What the model names that this installation lacks: task types and service handlers."""
    from xiuhao.tasks.types import get_task_type

    problems = []
    for step in parsed.steps.values():
        if step.kind == "user" and step.properties.get("taskType") and get_task_type(step.properties["taskType"]) is None:
            problems.append(_("The user task “%(step)s” names the task type “%(type)s”, which does not exist.")
                            % {"step": step.name, "type": step.properties["taskType"]})
        if step.kind == "service" and handlers.get_handler(step.handler) is None:
            problems.append(_("The service task “%(step)s” names the handler “%(handler)s”, which does not exist.")
                            % {"step": step.name, "handler": step.handler})
    return problems


_cache: dict = {}
_cache_lock = threading.Lock()


def spec_for(definition_id, checksum=None) -> ParsedProcess:
    """The parsed process of a definition version, cached by id (a version never changes).
    `checksum`, when the caller read it with the instance, guards against a database restored
    under a running server (an id that now names other XML)."""
    parsed = _cache.get(definition_id)
    if parsed is None or (checksum and parsed.checksum != checksum):
        from .models import ProcessDefinition

        xml = ProcessDefinition.objects.values_list("bpmn_xml", flat=True).get(pk=definition_id)
        parsed = parse_bpmn(xml)
        parsed.checksum = hashlib.sha256(_as_bytes(xml)).hexdigest()
        with _cache_lock:
            _cache[definition_id] = parsed
    return parsed


def clear_cache():
    """Forget the parsed specs (tests simulate a restart with it)."""
    with _cache_lock:
        _cache.clear()


# -- expressions and service calls ------------------------------------------------------------------
def evaluate(expression, variables):
    text = (expression or "").strip()
    if ISO_LITERAL.match(text):
        return text
    return EvalWithCompoundTypes(names=dict(variables), functions=SAFE_FUNCTIONS).eval(text)


class ScriptEngine(PythonScriptEngine):
    """Evaluates with simpleeval, refuses scripts, calls service handlers with the instance."""

    def __init__(self, instance=None):
        super().__init__()
        self.instance = instance

    def validate(self, expression):
        ast.parse(expression, mode="eval")

    def evaluate(self, task, expression, external_context=None):
        try:
            return evaluate(expression, {**task.data, **(external_context or {})})
        except Exception as exc:
            raise WorkflowTaskException(_("The expression “%(text)s” could not be evaluated: %(error)s")
                                        % {"text": expression, "error": exc}, task=task, exception=exc) from exc

    def execute(self, task, script, external_context=None):
        raise WorkflowTaskException(_("Script tasks are not allowed."), task=task)

    def call_service(self, task, operation_name, operation_params=None, **kwargs):
        handler = handlers.get_handler(operation_name)
        if handler is None:
            raise ProcessError(_("The service handler “%(name)s” does not exist.") % {"name": operation_name})
        variables = dict(task.data)
        for name, param in (operation_params or {}).items():
            variables[name] = param.get("value")
        result = handler(self.instance, variables)
        if result is not None:
            task.data.clear()
            task.data.update(result)
        return "true"


def error_message(exc) -> str:
    """The message a person reads for a failed step: the handler's own error, not the wrapper's."""
    seen = exc
    for _i in range(5):
        inner = getattr(seen, "exception", None) or seen.__cause__
        if inner is None or inner is seen:
            break
        seen = inner
    message = getattr(seen, "message", None) or str(seen) or type(seen).__name__
    return str(message)[:2000]


# -- state ------------------------------------------------------------------------------------------
class _LeanWorkflowConverter(BpmnWorkflowConverter):
    """The default converter without the spec: the spec comes from the cached definition."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
_LeanWorkflowConverter(BpmnWorkflow, REGISTRY)
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)


def new_workflow(parsed: ParsedProcess, variables=None, instance=None) -> BpmnWorkflow:
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=ScriptEngine(instance))
    # The start event's task hands its data down the tree: the variables the process starts with.
    start = workflow.task_tree
    start.data.update(variables or {})
    return workflow


def _parents_first(tasks: dict, root: str) -> dict:
    """The task mapping ordered from the root down. A task stores its data as a delta on its
    parent's, so a parent must be restored before its children; PostgreSQL's jsonb does not keep
    the key order the state was written in."""
    ordered, queue = {}, [root]
    while queue:
        task_id = queue.pop(0)
        task = tasks.get(task_id)
        if task is None or task_id in ordered:
            continue
        ordered[task_id] = task
        queue.extend(task.get("children", []))
    for task_id, task in tasks.items():  # anything the tree walk missed keeps its place at the end
        ordered.setdefault(task_id, task)
    return ordered


def _ordered_state(state: dict) -> dict:
    state = dict(state)
    if "tasks" in state and "root" in state:
        state["tasks"] = _parents_first(state["tasks"], state["root"])
    subprocesses = state.get("subprocesses")
    if subprocesses:
        state["subprocesses"] = {key: _ordered_state(sub) for key, sub in subprocesses.items()}
    return state


def load(parsed: ParsedProcess, state: dict, instance=None) -> BpmnWorkflow:
    """The workflow of a stored state; StateUnreadable when the state cannot be restored."""
    try:
        state = _ordered_state(state)
        version = state.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        if version in MIGRATIONS:
            MIGRATIONS[version](state)
        # A dictionary without a known type name comes back as it went in (an empty state too).
        workflow = SERIALIZER.from_dict(state, spec=parsed.spec, subprocess_specs=parsed.subprocess_specs)
    except Exception as exc:
        raise StateUnreadable(_("The stored state of the process cannot be read (%(error)s).")
                              % {"error": error_message(exc)}) from exc
    if not isinstance(workflow, BpmnWorkflow):
        raise StateUnreadable(_("The stored state of the process cannot be read (%(error)s).")
                              % {"error": _("it is empty") if not state else _("it is not a workflow")})
    workflow.script_engine = ScriptEngine(instance)
    return workflow


def dump(workflow) -> dict:
    state = SERIALIZER.to_dict(workflow)
    state[BpmnWorkflowSerializer.VERSION_KEY] = SERIALIZER.VERSION
    return state


# -- reading a workflow ----------------------------------------------------------------------------
def ready_user_tasks(workflow) -> list:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def variables(workflow) -> dict:
    """The variables as the last finished task left them (the instance page shows these)."""
    if workflow.completed:
        return dict(workflow.data or workflow.last_task.data if workflow.last_task else {})
    ready = ready_user_tasks(workflow)
    if ready:
        return dict(ready[0].data)
    task = workflow.last_task or workflow.task_tree
    return dict(task.data)


def next_timer(workflow):
    """When the earliest waiting timer of the workflow fires (None: no timer waits)."""
    moments = []
    for event in workflow.waiting_events():
        if "Timer" not in (event.event_type or "") or not isinstance(event.value, str):
            continue
        try:
            moments.append(TimerEventDefinition.get_datetime(event.value))
        except ValueError:
            continue
    return min(moments) if moments else None


STATE_CLASSES = {TaskState.COMPLETED: "done", TaskState.READY: "current", TaskState.WAITING: "current",
                 TaskState.STARTED: "current", TaskState.ERROR: "error"}
RANK = {"done": 1, "current": 2, "error": 3}


def step_states(workflow, failed=False) -> dict:
    """bpmn id -> "done" | "current" | "error", for the diagram's markers. `failed`: the instance is
    in ERROR, so its ready engine steps are where it stopped."""
    states = {}
    tasks = list(workflow.get_tasks())
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.get_tasks())
    for task in tasks:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        css = STATE_CLASSES.get(task.state)
        if failed and task.state == TaskState.READY and not task.task_spec.manual:
            css = "error"
        if bpmn_id and css and RANK[css] > RANK.get(states.get(bpmn_id), 0):
            states[bpmn_id] = css
    return states


def resolve_value(value, variables_):
    """A property value: `${expression}` over the variables, or the literal text."""
    match = EXPRESSION.match((value or "").strip())
    if match:
        return evaluate(match.group(1), variables_)
    return value
