"""The core's own records: atomic counters (see shopsite.counters)."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shopsite.dynamodb import BaseModel, register


@register("counters")
class Counter(BaseModel):
    """One named counter; ``value`` only ever grows, through ADD-style updates."""

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""
