"""Import of contacts and addresses, identified by (customer code, name) and (customer code, site
name): composite keys declared on the platform's CompositeKeyPipeline (core.imports).
Customers themselves use the generic pipeline with their code as the key.
"""

from xiuhao.core.imports import CompositeKeyPipeline


class ContactPipeline(CompositeKeyPipeline):
    key_fields = ("customer", "name")


class AddressPipeline(CompositeKeyPipeline):
    key_fields = ("customer", "label")
