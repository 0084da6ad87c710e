"""What a SKU and a slug may look like: the console's forms and the CSV import check the same rules."""
from django.core.validators import RegexValidator

sku_validator = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$", "Use letters, digits and - _ . / only.", code="invalid_sku")
slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lower-case letters, digits and single hyphens.", code="invalid_slug")
