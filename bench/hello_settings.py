"""A hello-world Django project: the cold-start baseline."""
SECRET_KEY = "bench-hello"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.hello_urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
