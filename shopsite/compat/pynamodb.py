"""PynamoDB internals: one shared connection for every table, a model's schema and keys, a query's page."""
from __future__ import annotations

from pynamodb.exceptions import TableError
from pynamodb.models import Model

WRITTEN_FOR = "6.1.0"
INTERNALS = (
    (Model, "_get_connection"),
    (Model, "_hash_key_attribute"),
    (Model, "_get_schema"),
    (Model, "_indexes"),
    (Model, "_connection"),
)


class SharedConnectionModel(Model):
    """PynamoDB gives each model its own Connection (and botocore client); this hands the table's schema to
    the one *shared_connection()* returns and uses that instead. Subclasses set ``shared_connection`` and
    ``shared_lock``."""

    shared_connection = None  # a callable returning the shared pynamodb Connection
    shared_lock = None

    class Meta:
        abstract = True

    @classmethod
    def _get_connection(cls):
        table_conn = super()._get_connection()
        shared = cls.shared_connection()
        if table_conn.connection is not shared:
            with cls.shared_lock:
                try:
                    shared.get_meta_table(cls.Meta.table_name)
                except TableError:
                    shared.add_meta_table(table_conn.get_meta_table())
            table_conn.connection = shared
        return table_conn


def connection_forget(model: type[Model]) -> None:
    """Drop the model's cached table connection (after its table name or endpoint changed)."""
    model._connection = None


def hash_key_name(model: type[Model]) -> str:
    return model._hash_key_attribute().attr_name


def table_schema(model: type[Model]) -> dict:
    """The model's key schema, attribute definitions and indexes, as PynamoDB builds them for CreateTable."""
    return model._get_schema()


def index_names(model: type[Model]) -> list[str]:
    return list(model._indexes)


def key_names(model: type[Model], index_name: str | None) -> list[str]:
    """The key attributes of the table or of its index *index_name* (what a cursor must carry)."""
    return list(model._get_connection().get_meta_table().get_key_names(index_name))


def index_model(index):
    """The model an index (or the model itself) belongs to."""
    return getattr(index, "_model", index)


def first_page(result) -> tuple[dict | None, list[str], dict | None]:
    """The raw first page of a query *result* (one Query request), its key names and LastEvaluatedKey."""
    page = next(result.page_iter, None)
    return page, list(result.page_iter.key_names), result.page_iter.last_evaluated_key
