"""Draw the emulator's sample product photos and their catalog feed.

The samples are made by this code (no third-party images, so no licence to track) and committed
under airflow_photoroom/emulator/samples/. Rerun after changing a drawing:

    python scripts/make_samples.py

Each is a product on a plain or lightly textured studio background, the kind of input background
removal handles well, with a soft contact shadow so the cutout has something real to separate.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parents[1] / "airflow_photoroom" / "emulator" / "samples"
SIZE = 900

Draw = Callable[[ImageDraw.ImageDraw, random.Random], None]


def background(color: tuple[int, int, int], texture: float, seed: int) -> Image.Image:
    """A studio sweep: a soft vertical gradient, with optional fine grain."""
    base = Image.new("RGB", (SIZE, SIZE), color)
    shade = Image.linear_gradient("L").resize((SIZE, SIZE)).point(lambda v: int(v * 0.10))
    base = ImageChops.subtract(base, Image.merge("RGB", [shade] * 3))
    if texture:
        random.seed(seed)
        grain = Image.effect_noise((SIZE, SIZE), 40).convert("RGB")
        base = Image.blend(base, ImageChops.multiply(base, grain.point(lambda v: 200 + v // 5)), texture)
    return base


def shadow_under(image: Image.Image, box: tuple[int, int, int, int]) -> None:
    layer = Image.new("L", image.size, 0)
    ImageDraw.Draw(layer).ellipse(box, fill=110)
    layer = layer.filter(ImageFilter.GaussianBlur(18))
    image.paste((60, 60, 60), mask=layer)


def shoe(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.polygon(
        [(180, 560), (300, 420), (420, 400), (520, 470), (700, 520), (730, 600), (180, 610)],
        fill=(200, 40, 40),
    )
    d.rectangle((170, 600, 740, 650), fill=(245, 245, 240))
    for i in range(5):
        d.line((330 + i * 30, 440, 360 + i * 30, 480), fill=(250, 250, 250), width=6)


def bottle(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.rounded_rectangle((340, 300, 560, 720), radius=50, fill=(30, 110, 70))
    d.rectangle((410, 190, 490, 310), fill=(30, 110, 70))
    d.rectangle((400, 150, 500, 200), fill=(180, 150, 60))
    d.rectangle((350, 450, 550, 580), fill=(240, 235, 220))


def mug(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.ellipse((560, 380, 700, 560), outline=(40, 80, 160), width=28)
    d.rounded_rectangle((280, 330, 600, 700), radius=30, fill=(40, 80, 160))
    d.ellipse((280, 310, 600, 360), fill=(25, 55, 120))


def ring(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.ellipse((290, 330, 610, 650), outline=(212, 175, 55), width=40)
    d.polygon([(450, 250), (500, 310), (450, 360), (400, 310)], fill=(170, 220, 250))


def necklace(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    for i in range(40):
        angle = math.pi * (0.1 + 0.8 * i / 39)
        x, y = 450 + 280 * math.cos(angle), 250 + 330 * math.sin(angle)
        d.ellipse((x - 12, y - 12, x + 12, y + 12), fill=(235, 230, 215), outline=(180, 170, 150))
    d.ellipse((420, 560, 480, 640), fill=(150, 20, 60))


def tshirt(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.polygon(
        [(300, 220), (380, 200), (450, 240), (520, 200), (600, 220), (720, 330), (640, 400), (600, 370),
         (600, 720), (300, 720), (300, 370), (260, 400), (180, 330)],
        fill=(60, 60, 70),
    )  # fmt: skip
    d.ellipse((405, 190, 495, 250), fill=(230, 230, 230))
    d.rectangle((380, 380, 520, 470), fill=(240, 200, 40))


def bag(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.arc((330, 180, 570, 420), 180, 360, fill=(110, 70, 40), width=22)
    d.rounded_rectangle((240, 300, 660, 700), radius=40, fill=(150, 95, 55))
    d.rectangle((420, 380, 480, 420), fill=(212, 175, 55))


def chair(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.rectangle((300, 180, 600, 460), fill=(90, 140, 110))
    d.rectangle((280, 450, 620, 520), fill=(70, 115, 90))
    for x in (300, 580):
        d.rectangle((x, 520, x + 24, 760), fill=(60, 45, 35))


def plant(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    for i in range(9):
        angle = math.pi * (0.15 + 0.7 * i / 8)
        x, y = 450 - 230 * math.cos(angle), 470 - 300 * math.sin(angle)
        d.line((450, 480, x, y), fill=(40, 120, 50), width=10)
        d.ellipse((x - 45, y - 25, x + 45, y + 25), fill=(50, 150, 60))
    d.polygon([(330, 480), (570, 480), (540, 740), (360, 740)], fill=(190, 100, 60))


def food_plate(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.ellipse((170, 250, 730, 710), fill=(250, 250, 250), outline=(215, 215, 215), width=6)
    d.ellipse((300, 360, 520, 560), fill=(230, 160, 50))
    d.ellipse((470, 420, 600, 560), fill=(120, 170, 60))
    for _ in range(12):
        x, y = r.randint(320, 580), r.randint(360, 600)
        d.ellipse((x - 10, y - 10, x + 10, y + 10), fill=(200, 40, 40))


def watch(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.rectangle((400, 120, 500, 780), fill=(50, 50, 55))
    d.ellipse((300, 300, 600, 600), fill=(190, 190, 200))
    d.ellipse((325, 325, 575, 575), fill=(250, 250, 245))
    d.line((450, 450, 450, 360), fill=(20, 20, 20), width=8)
    d.line((450, 450, 520, 470), fill=(20, 20, 20), width=6)


def lamp(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.polygon([(330, 200), (570, 200), (640, 400), (260, 400)], fill=(240, 210, 120))
    d.rectangle((440, 400, 460, 690), fill=(80, 80, 80))
    d.ellipse((350, 680, 550, 740), fill=(60, 60, 60))


def sunglasses(d: ImageDraw.ImageDraw, r: random.Random) -> None:
    d.ellipse((200, 380, 420, 560), fill=(25, 25, 30))
    d.ellipse((480, 380, 700, 560), fill=(25, 25, 30))
    d.line((410, 430, 490, 430), fill=(150, 120, 60), width=14)
    d.line((205, 420, 140, 380), fill=(150, 120, 60), width=12)
    d.line((695, 420, 760, 380), fill=(150, 120, 60), width=12)


# (id, title, drawing, background colour, texture, product type, apparel)
PRODUCTS: list[tuple[str, str, Draw, tuple[int, int, int], float, str, bool]] = [
    ("shoe", "Red canvas sneaker", shoe, (236, 236, 232), 0.0, "Apparel & Accessories > Shoes", True),
    ("bottle", "Green glass bottle", bottle, (242, 238, 230), 0.25, "Home & Garden > Kitchen > Bottles", False),
    ("mug", "Blue ceramic mug", mug, (245, 245, 245), 0.0, "Home & Garden > Kitchen > Mugs", False),
    ("ring", "Gold ring with topaz", ring, (60, 62, 70), 0.0, "Apparel & Accessories > Jewelry > Rings", True),
    ("necklace", "Pearl necklace", necklace, (80, 70, 90), 0.2, "Apparel & Accessories > Jewelry > Necklaces", True),
    ("tshirt", "Graphite crew-neck t-shirt", tshirt, (238, 232, 222), 0.3, "Apparel & Accessories > Clothing > Shirts", True),
    ("bag", "Leather tote bag", bag, (232, 236, 240), 0.0, "Apparel & Accessories > Handbags", True),
    ("chair", "Sage lounge chair", chair, (244, 240, 236), 0.2, "Furniture > Chairs", False),
    ("plant", "Potted fern", plant, (240, 240, 236), 0.0, "Home & Garden > Plants", False),
    ("food-plate", "Breakfast plate", food_plate, (120, 90, 70), 0.3, "Food, Beverages & Tobacco > Food Items", False),
    ("watch", "Steel wristwatch", watch, (236, 238, 242), 0.0, "Apparel & Accessories > Jewelry > Watches", True),
    ("lamp", "Table lamp", lamp, (230, 235, 240), 0.2, "Home & Garden > Lighting > Lamps", False),
    ("sunglasses", "Tortoise sunglasses", sunglasses, (245, 240, 232), 0.0, "Apparel & Accessories > Sunglasses", True),
]  # fmt: skip


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, (product_id, title, draw, color, texture, product_type, apparel) in enumerate(PRODUCTS):
        image = background(color, texture, seed=index)
        shadow_under(image, (230, 700, 670, 790))
        product = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
        draw(ImageDraw.Draw(product), random.Random(index))
        image.paste(product, mask=product)
        path = OUT / f"{product_id}.jpg"
        image.save(path, "JPEG", quality=88, optimize=True)
        size = path.stat().st_size
        assert size < 300_000, f"{path.name} is {size} bytes"
        rows.append(
            {
                "id": f"SKU-{index + 1:04d}",
                "title": title,
                "image_link": f"samples/{path.name}",
                "product_type": product_type,
                "apparel": "yes" if apparel else "no",
            }
        )
    with (OUT / "catalog.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} samples and catalog.csv to {OUT}")


if __name__ == "__main__":
    main()
