"""botocore internals: a JSON response parser that skips the per-attribute walk for item reads."""
import botocore.parsers

WRITTEN_FOR = "1.44"  # the release series (boto3==1.44.x pins it in requirements.txt)
INTERNALS = (
    (botocore.parsers.JSONParser, "_handle_json_body"),
    (botocore.parsers.JSONParser, "_parse_body_as_json"),
    (botocore.parsers.ResponseParserFactory(), "_defaults"),  # set in __init__
)

# Outputs of item reads: plain JSON where no attribute is binary, so json.loads alone parses them.
_PLAIN_OUTPUTS = frozenset({"GetItemOutput", "QueryOutput", "ScanOutput", "BatchGetItemOutput", "TransactGetItemsOutput"})


class ItemReadsParser(botocore.parsers.JSONParser):
    """botocore's JSON parser, minus the per-attribute walk for item reads.

    Parsing a 24-item Query walks every AttributeValue through the service
    model, costing more CPU than rendering the page. For the outputs above,
    that walk only turns base64 blobs (``B``/``BS``) into bytes; without them
    its result equals ``json.loads`` (tested), so those bodies skip it. Any
    other output, error or body mentioning a binary value gets the full parse.
    """

    def _handle_json_body(self, raw_body, shape):
        if shape is not None and shape.name in _PLAIN_OUTPUTS and b'"B":' not in raw_body and b'"BS":' not in raw_body:
            return self._parse_body_as_json(raw_body)
        return super()._handle_json_body(raw_body, shape)


class _ParserFactory(botocore.parsers.ResponseParserFactory):
    def create_parser(self, protocol_name):
        return ItemReadsParser(**self._defaults) if protocol_name == "json" else super().create_parser(protocol_name)


def item_reads_parser_install(session) -> None:
    """Make *session*'s clients parse item reads with ItemReadsParser (once per session)."""
    if not isinstance(session.get_component("response_parser_factory"), _ParserFactory):
        session.register_component("response_parser_factory", _ParserFactory())
