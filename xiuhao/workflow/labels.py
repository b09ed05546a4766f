"""The names in the shipped .bpmn files are English msgids: the diagram and the task titles show
them in the user's language. (Listed here so that the catalog tools find them; an uploaded
process keeps the names its author wrote.)"""

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from lxml import etree

SHIPPED_NAMES = [
    # announcement_approval.bpmn
    N_("Announcement approval"), N_("Submitted"), N_("Approve announcement"), N_("Approved?"),
    N_("Publish to the audience"), N_("Send back to the author"), N_("Published"), N_("Rejected"),
    N_("approve"), N_("reject"),
]


def localized(name):
    return gettext(name) if name else name


def localized_xml(xml: str) -> str:
    """The BPMN XML with every element's name in the user's language (for the viewer)."""
    try:
        root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return xml
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("name"):
            node.set("name", localized(node.get("name")))
    return etree.tostring(root, encoding="unicode")
