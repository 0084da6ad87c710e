"""Log records that are safe to ship: secrets scrubbed before any handler writes them.

The JSON rendering itself is python-json-logger's; this module only adds the
filter that every production handler carries, so that a password, a cookie
value, an API key, a password hash or an Authorization header never reaches
CloudWatch, whichever library logged it and at whatever level.
"""
import logging
import re

REDACTED = "[redacted]"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

# Each pattern keeps its first group (the name) and replaces what follows.
_PATTERNS = [
    # form and query fields, JSON members and key=value pairs that carry secrets
    # (a quoted value is redacted whole, spaces and escaped quotes included: GraphQL arguments, JSON strings)
    re.compile(r"""((?:password\d?|new_password\d?|old_password|passwd|secret|token|csrfmiddlewaretoken|api[_-]?key)"?\s*[=:]\s*)"""
               r"""(?:"(?:[^"\\]|\\.)*"?|[^&"\s,;})]+)""", re.I),
    # cookies: session and CSRF values, in Cookie and Set-Cookie headers alike
    re.compile(r"((?:sessionid|csrftoken|__stripe_\w+)=)[^;\s\"',]+", re.I),
    # Authorization / X-Api-Key headers, however they are quoted
    re.compile(r"""((?:authorization|x-api-key)['"]?\s*[:=]\s*['"]?)(?:bearer\s+|basic\s+)?[^'"\s,}]+""", re.I),
    # our API keys and Django password hashes anywhere in a message
    re.compile(r"(\b)sk_[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(\b)(?:pbkdf2_sha256|argon2|bcrypt_sha256|scrypt|md5)\$[^\s\"',]+"),
]


def redact(text: str) -> str:
    """Return *text* with every secret the patterns know replaced by a marker."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Scrub the rendered message, its arguments and any traceback text of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters prefer exc_info when present; keep only the scrubbed text.
            record.exc_text, record.exc_info = redact(record.exc_text), None
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True
