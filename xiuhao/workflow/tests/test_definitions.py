"""Process definitions: shipped files synced by checksum, uploads validated, versions."""

import pytest

from xiuhao.core.errors import PermissionDenied, ValidationFailed
from xiuhao.org.tests.factories import user_with
from xiuhao.tasks.models import Task
from xiuhao.tasks.services import task_complete
from xiuhao.workflow import engine
from xiuhao.workflow.models import ProcessDefinition, ProcessInstance
from xiuhao.workflow.services import definition_upload, definitions_sync, process_start

from .conftest import TEST_PROCESSES

pytestmark = pytest.mark.django_db
REVIEW = (TEST_PROCESSES / "wf_test_review.bpmn").read_text()


@pytest.fixture
def admin(branch):
    return user_with("workflow.view_processdefinition", "workflow.add_processdefinition", data_scope="all",
                     branch=branch)


def messages_of(error):
    return " | ".join(error.value.fields["file"])


def test_syncing_the_shipped_files_again_adds_nothing(processes):
    count = ProcessDefinition.objects.count()
    assert definitions_sync(directory=TEST_PROCESSES) == []
    assert ProcessDefinition.objects.count() == count


def test_a_changed_file_becomes_the_next_current_version(processes, tmp_path):
    (tmp_path / "review.bpmn").write_text(REVIEW.replace("Fill in the report", "Write the report"))
    [added] = definitions_sync(directory=tmp_path)
    assert added.key == "wf_test_review" and added.version == 2 and added.is_current
    assert ProcessDefinition.objects.filter(key="wf_test_review", is_current=True).get() == added


def test_an_uploaded_version_is_current_and_running_instances_keep_theirs(processes, clerk, admin):
    old = process_start(actor=clerk, key="wf_test_review", variables={"amount": 10, "approver_role": "x"})
    new_xml = REVIEW.replace("Fill in the report", "Write the report")
    definition = definition_upload(actor=admin, data=new_xml.encode(), filename="review.bpmn")
    assert definition.version == 2 and definition.is_current and definition.uploaded_by == admin
    engine.clear_cache()
    new = process_start(actor=clerk, key="wf_test_review", variables={"amount": 10, "approver_role": "x"})
    assert new.definition == definition and old.definition.version == 1
    assert Task.objects.get(process_instance=new).title.startswith("Write the report")
    old_task = Task.objects.get(process_instance=old)
    assert old_task.title.startswith("Fill in the report")
    task_complete(actor=clerk, task=old_task)
    old.refresh_from_db()
    assert old.status == ProcessInstance.Status.COMPLETED and old.definition.version == 1


BROKEN_FILES = [
    ("not xml", b"<bpmn:definitions", "not well-formed"),
    ("not bpmn", b"<html/>", "not a BPMN 2.0 file"),
    ("empty", b"", "empty"),
    ("unknown task type", REVIEW.replace('value="task.generic"', 'value="no.such.type"', 1).encode(),
     "task type “no.such.type”"),
    ("unknown handler", (TEST_PROCESSES / "wf_test_service.bpmn").read_text().replace("test.flaky", "no.handler").encode(),
     "handler “no.handler”"),
    ("duplicate ids", REVIEW.replace('id="approve"', 'id="fill"').encode(), "more than once"),
    ("no task type", REVIEW.replace('name="taskType" value="task.generic"', 'name="title" value="x"', 1).encode(),
     "does not name its task type"),
    ("bad condition", REVIEW.replace("amount &gt; 1000", "amount &gt;&gt; ) 1000").encode(), "not a valid expression"),
    ("bad due", REVIEW.replace('value="PT8H"', 'value="8 hours"').encode(), "ISO 8601"),
    ("script", REVIEW.replace("<bpmn:userTask id=\"fill\"", "<bpmn:scriptTask id=\"fill\"").replace(
        "</bpmn:userTask>\n    <bpmn:exclusiveGateway", "</bpmn:scriptTask>\n    <bpmn:exclusiveGateway").encode(),
     "Script tasks are not allowed"),
    ("entity", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
     "not a BPMN 2.0 file"),
]


@pytest.mark.parametrize("label, data, expected", BROKEN_FILES, ids=[b[0] for b in BROKEN_FILES])
def test_a_broken_upload_is_refused_with_the_reason_and_saves_nothing(processes, admin, label, data, expected):
    from xiuhao.workflow.handlers import HANDLERS

    HANDLERS.setdefault("test.flaky", lambda instance, variables: variables)
    count = ProcessDefinition.objects.count()
    with pytest.raises(ValidationFailed) as error:
        definition_upload(actor=admin, data=data)
    assert expected in messages_of(error)
    assert ProcessDefinition.objects.count() == count


def test_the_same_file_again_is_refused(processes, admin):
    with pytest.raises(ValidationFailed) as error:
        definition_upload(actor=admin, data=REVIEW.encode())
    assert "same as the current version" in messages_of(error)


def test_an_upload_needs_the_permission(processes, clerk):
    with pytest.raises(PermissionDenied):
        definition_upload(actor=clerk, data=REVIEW.encode())


def test_the_errors_speak_chinese_to_a_chinese_user(processes, admin):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as error:
        definition_upload(actor=admin, data=b"")
    assert "文件" in messages_of(error)


def test_every_shipped_process_names_existing_task_types_and_handlers():
    for definition in ProcessDefinition.objects.filter(source__startswith="xiuhao/workflow/processes/"):
        assert engine.check_references(engine.parse_bpmn(definition.bpmn_xml)) == []
