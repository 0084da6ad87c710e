import random
import time
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.images import THUMBNAIL_WIDTHS, placeholder_png, thumbnail_path

CATEGORIES = [
    ("Kitchen", "kitchen", (214, 120, 72), ["Knife", "Pan", "Kettle", "Board", "Whisk", "Grater", "Spatula", "Pot"]),
    ("Garden", "garden", (88, 150, 84), ["Trowel", "Watering Can", "Planter", "Hose", "Gloves", "Shears", "Rake", "Seed Kit"]),
    ("Office", "office", (70, 110, 180), ["Notebook", "Pen Set", "Desk Lamp", "Stapler", "Organizer", "Chair Cushion", "Monitor Stand", "Planner"]),
    ("Outdoors", "outdoors", (60, 140, 150), ["Tent", "Backpack", "Lantern", "Water Bottle", "Sleeping Bag", "Compass", "Hammock", "Stove"]),
    ("Home", "home", (170, 110, 160), ["Throw Blanket", "Candle", "Vase", "Cushion", "Rug", "Clock", "Mirror", "Basket"]),
    ("Toys", "toys", (220, 170, 60), ["Puzzle", "Kite", "Building Blocks", "Yo-yo", "Board Game", "Plush Bear", "Spinning Top", "Marbles"]),
    ("Bath", "bath", (100, 160, 200), ["Towel", "Soap Dish", "Bath Mat", "Toothbrush Holder", "Loofah", "Robe", "Shower Caddy", "Bath Salts"]),
    ("Audio", "audio", (90, 90, 110), ["Headphones", "Speaker", "Turntable", "Earbuds", "Radio", "Microphone", "Amplifier", "Cable Kit"]),
]
# Clothing sold in sizes and colours: one product each, a variant per size and colour (catalog.variants), the
# larger sizes a little dearer, each colour with its own picture.
CLOTHING = ("Clothing", "clothing", 5, [
    ("Organic Cotton Tee", 2200, ["XS", "S", "M", "L", "XL"], ["White", "Navy", "Sage"]),
    ("Merino Sweater", 8900, ["S", "M", "L", "XL"], ["Charcoal", "Oat", "Rust"]),
    ("Rain Jacket", 12900, ["S", "M", "L", "XL"], ["Yellow", "Black"]),
    ("Linen Shirt", 5900, ["S", "M", "L"], ["Sand", "Sky", "White"]),
    ("Wool Socks", 1400, ["36-39", "40-43", "44-47"], ["Grey", "Forest", "Mustard"]),
    ("Canvas Sneakers", 6500, ["38", "39", "40", "41", "42", "43", "44"], ["White", "Black"]),
    ("Fleece Hoodie", 6900, ["XS", "S", "M", "L", "XL"], ["Heather", "Plum"]),
    ("Denim Jacket", 9900, ["S", "M", "L", "XL"], ["Indigo"]),
])
CLOTHING_TYPE = ("Clothing", [
    {"name": "Material", "kind": "choice", "values": ["Cotton", "Merino wool", "Linen", "Polyester", "Denim", "Canvas"],
     "facet": True},
    {"name": "Fit", "kind": "choice", "values": ["Regular", "Relaxed", "Slim"], "facet": True},
    {"name": "Weight", "kind": "number", "unit": "g"},
    {"name": "Care", "kind": "text"},
])
CLOTHING_FACTS = {  # material, fit, weight in grams, care
    "Organic Cotton Tee": ("Cotton", "Regular", 160, "Machine wash at 30 °C"),
    "Merino Sweater": ("Merino wool", "Relaxed", 340, "Hand wash cold, dry flat"),
    "Rain Jacket": ("Polyester", "Regular", 420, "Machine wash at 30 °C, no softener"),
    "Linen Shirt": ("Linen", "Relaxed", 210, "Machine wash at 40 °C"),
    "Wool Socks": ("Merino wool", "Regular", 80, "Machine wash at 30 °C, wool cycle"),
    "Canvas Sneakers": ("Canvas", "Regular", 720, "Wipe clean"),
    "Fleece Hoodie": ("Polyester", "Relaxed", 480, "Machine wash at 30 °C"),
    "Denim Jacket": ("Denim", "Slim", 820, "Wash inside out at 30 °C"),
}
CLOTHING_COLOURS = {"White": (236, 236, 232), "Navy": (40, 52, 96), "Sage": (150, 170, 140), "Charcoal": (64, 64, 70),
                    "Oat": (214, 200, 170), "Rust": (170, 84, 50), "Yellow": (236, 196, 40), "Black": (30, 30, 34),
                    "Sand": (210, 190, 150), "Sky": (140, 180, 220), "Grey": (140, 140, 146), "Forest": (50, 100, 60),
                    "Mustard": (200, 160, 40), "Heather": (150, 140, 160), "Plum": (110, 50, 90), "Indigo": (50, 60, 120)}
ADJECTIVES = ["Classic", "Compact", "Deluxe", "Everyday", "Handmade", "Modern", "Rustic", "Travel", "Premium", "Eco", "Mini", "Heritage"]
COLOURS = ["oak", "slate", "sage", "coral", "ivory", "charcoal", "amber", "teal"]
PRODUCTS_PER_CATEGORY = 25
PROGRESS_LINE_SECONDS = 5  # without a terminal: how often a progress line is written
IMAGE_VARIANTS = 5


class Command(BaseCommand):
    help = ("Load a deterministic demo catalog (9 categories, 208 products with images, clothing in sizes and colours). "
            "Running it again adds nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the catalog has categories.")

    def handle(self, *args, if_empty=False, **options):
        existing = {category.slug: category for category in catalog_selectors.category_list()}
        if if_empty and existing:
            self.stdout.write("Catalog already has data; not seeding.")
            return
        rng = random.Random(20261124)
        total = len(CATEGORIES) * PRODUCTS_PER_CATEGORY
        # A progress bar on a terminal (stderr); otherwise (a log, CI) a line every few seconds.
        progress = tqdm(total=total, desc="Seeding products", unit="product", disable=None)
        state = {"done": 0, "last_line": time.monotonic()}

        def advance(count: int) -> None:
            progress.update(count)
            state["done"] += count
            if progress.disable and time.monotonic() - state["last_line"] >= PROGRESS_LINE_SECONDS:
                self.stdout.write(f"Seeding products: {state['done']} of {total}")
                state["last_line"] = time.monotonic()

        started = timezone.now() - timedelta(days=60)
        rows = []
        for position, (name, slug, colour, nouns) in enumerate(CATEGORIES):
            category = existing.get(slug) or catalog_services.category_create(
                name=name, slug=slug, position=position * 10,
                description=f"Hand-picked {name.lower()} essentials, built to last and priced fairly.",
            )
            images = [self._image(slug, colour, variant) for variant in range(IMAGE_VARIANTS)]
            advance(0)
            for number in range(PRODUCTS_PER_CATEGORY):
                adjective = ADJECTIVES[(number + position) % len(ADJECTIVES)]
                noun = nouns[number % len(nouns)]
                colour_name = COLOURS[(number // len(nouns) + position) % len(COLOURS)]
                stock = rng.choice([0, 0, 2, 3, 5] + [rng.randint(6, 80) for _ in range(15)])
                price = rng.choice([499, 999, 1299, 1999, 2499, 3499, 4999, 7999, 12999]) + rng.choice([0, 0, 50])
                rows.append({
                    "name": f"{adjective} {noun} ({colour_name})",
                    "slug": f"{slug}-{adjective}-{noun}-{colour_name}".lower().replace(" ", "-"),
                    "price_cents": price, "category_id": category.category_id, "stock": stock,
                    "description": (f"A {adjective.lower()} {noun.lower()} in {colour_name} from our {name.lower()} "
                                    f"range. Sturdy, good-looking and easy to care for."),
                    "image": images[number % IMAGE_VARIANTS],
                    # interleaved across categories, so "New arrivals" shows a mix, not one category's last eight
                    "created_at": started + timedelta(hours=number * len(CATEGORIES) + position),
                })
        # Batch writes, not a transaction per product: the whole catalog in seconds (slugs seeded before are
        # skipped, so running twice adds nothing).
        created = catalog_services.product_create_many(rows=rows, progress=advance)
        created += self._clothing(existing, started, rng)
        progress.close()
        self.stdout.write(self.style.SUCCESS(
            f"Demo catalog ready: {len(CATEGORIES) + 1} categories, {total + len(CLOTHING[3])} products ({created} new)."))

    def _clothing(self, existing: dict, started, rng) -> int:
        """The clothing category: products with Size and Colour options, stock per variant, a picture per colour."""
        name, slug, position, items = CLOTHING
        category = existing.get(slug) or catalog_services.category_create(
            name=name, slug=slug, position=position, description="Everyday clothing in every size, made to last.")
        created = 0
        kind = next((t for t in catalog_selectors.product_type_list() if t.name == CLOTHING_TYPE[0]), None) \
            or catalog_services.product_type_create(name=CLOTHING_TYPE[0], attributes=CLOTHING_TYPE[1])
        for number, (title, price, sizes, colours) in enumerate(items):
            product_slug = title.lower().replace(" ", "-")
            if catalog_selectors.product_by_slug(slug=product_slug) is not None:
                continue
            pictures = {colour: self._picture(f"{product_slug}-{colour.lower()}", CLOTHING_COLOURS[colour], number)
                        for colour in colours}
            product = catalog_services.product_create(
                name=title, slug=product_slug, price_cents=price, category_id=category.category_id, stock=0,
                image=pictures[colours[0]], created_at=started + timedelta(hours=(24 - number) * 8, minutes=30),
                description=(f"Our **{title.lower()}**, cut for every day.\n\n- Sizes {sizes[0]} to {sizes[-1]}\n"
                             f"- {len(colours)} colour{'s' if len(colours) > 1 else ''}: {', '.join(colours)}\n"
                             "- Made to last, easy to wash"))
            product = catalog_services.product_gallery_set(
                product_id=product.product_id, expected_version=product.version,
                images=[(path, f"The {title.lower()} in {colour.lower()}") for colour, path in pictures.items()])
            product = catalog_services.product_options_set(
                product_id=product.product_id, expected_version=product.version,
                options=[("Size", sizes), ("Colour", colours)])
            large = {"XL", "44-47", "44"}
            product = catalog_services.product_variants_update(
                product_id=product.product_id, expected_version=product.version,
                changes={variant.variant_id: {"image": pictures[variant.values[1]],
                                              "price_cents": price + 300 if variant.values[0] in large else None}
                         for variant in product.variants})
            material, fit, weight, care = CLOTHING_FACTS[title]
            product = catalog_services.product_attributes_set(
                product_id=product.product_id, expected_version=product.version, type_id=kind.type_id,
                values={"material": material, "fit": fit, "weight": weight, "care": care})
            catalog_services.variant_stock_load(product_id=product.product_id, counts={
                variant.variant_id: rng.choice([0, 1, 3, 4, 8, 12, 20, 25]) for variant in product.variants})
            created += 1
        return created

    def _picture(self, name: str, colour, seed: int) -> str:
        path = f"demo/{name}.png"
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(placeholder_png(width=800, height=600, colour=colour, seed=seed)))
        if not default_storage.exists(thumbnail_path(path, THUMBNAIL_WIDTHS[-1])):
            with default_storage.open(path) as original:
                catalog_services.image_thumbnails_save(path=path, data=original.read())
        return path

    def _image(self, slug: str, colour, variant: int) -> str:
        shade = tuple(max(0, min(255, c + (variant - 2) * 14)) for c in colour)
        return self._picture(f"{slug}-{variant}", shade, variant)
