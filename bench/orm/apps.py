from django.apps import AppConfig


class OrmConfig(AppConfig):
    name = "bench.orm"
    label = "orm"
