"""The comparator's catalog in the Django ORM: what a Django shop on PostgreSQL would keep for the listing."""
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    position = models.IntegerField(default=0)

    class Meta:
        app_label = "orm"


class Product(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    price_cents = models.IntegerField()
    stock = models.IntegerField(default=0)
    image = models.CharField(max_length=200, null=True)
    active = models.BooleanField(default=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    created_at = models.DateTimeField()

    class Meta:
        app_label = "orm"
        indexes = [models.Index(fields=["active", "-created_at"])]

    @property
    def product_id(self) -> str:
        return str(self.pk)

    @property
    def stock_state(self) -> str:
        if self.stock <= 0:
            return "sold_out"
        return "low" if self.stock <= 5 else "in_stock"
