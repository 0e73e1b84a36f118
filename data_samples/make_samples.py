"""Regenerate the bundled demo inputs: `python data_samples/make_samples.py` (needs scikit-image, Pillow).

Photographs come from scikit-image's bundled data (see data_samples/README.md for licences);
everything else is drawn here. Output is deterministic.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import skimage.data as skdata
from PIL import Image, ImageDraw

ROOT = Path(__file__).parent
SIZE = 128
COLOURS = {
    "red": (210, 40, 40),
    "green": (40, 160, 60),
    "blue": (40, 70, 200),
    "yellow": (230, 200, 30),
    "orange": (240, 140, 20),
    "purple": (130, 50, 160),
}


def save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, format="JPEG", quality=85)


def photo(array, box=None) -> Image.Image:
    image = Image.fromarray(
        np.asarray(array, dtype=np.uint8) if array.dtype != bool else (array * 255).astype(np.uint8)
    )
    if box:
        image = image.crop(box)
    image.thumbnail((SIZE, SIZE))
    return image


def drawn(kind: str) -> Image.Image:
    """Drawn stand-ins for photographs of things: the moon, a printed page, a colour wheel, a checkerboard."""
    image = Image.new("RGB", (SIZE, SIZE), (0, 0, 0) if kind == "moon" else (235, 235, 230))
    draw = ImageDraw.Draw(image)
    if kind == "moon":
        draw.ellipse((14, 14, 114, 114), fill=(190, 190, 185))
        for x, y, r in ((40, 45, 9), (75, 38, 6), (62, 80, 12), (88, 70, 5)):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(150, 150, 145))
    elif kind == "page":
        for row in range(10):
            draw.text((10, 8 + row * 12), "lorem ipsum dolor sit amet"[: 18 + row % 8], fill=(30, 30, 30))
    elif kind == "colorwheel":
        for step in range(36):
            hue = Image.new("HSV", (1, 1), (step * 255 // 36, 230, 230)).convert("RGB").getpixel((0, 0))
            draw.pieslice((8, 8, 120, 120), step * 10, step * 10 + 10, fill=hue)
    else:
        for row in range(8):
            for col in range(8):
                if (row + col) % 2:
                    draw.rectangle((col * 16, row * 16, col * 16 + 15, row * 16 + 15), fill=(20, 20, 20))
    return image


def shapes(count: int, colour: str, kind: str, rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    for index in range(count):
        x, y = 12 + (index % 3) * 38 + rng.randrange(6), 12 + (index // 3) * 38 + rng.randrange(6)
        box = (x, y, x + 26, y + 26)
        (draw.ellipse if kind == "circle" else draw.rectangle)(box, fill=COLOURS[colour], outline=(0, 0, 0))
    return image


QUESTION = "Is there a living being in the picture?"
SECOND = "Is the picture a photograph?"


def seed_data() -> None:
    """VisionFLAN metadata + ALLaVA caption + ALLaVA instruct: three tasks over drawn shapes, colour fields and
    photographs, each image asked the same two templated questions and answered precisely and informatively.

    Every task asks the same questions, so that the tiny synthesizer, which sees nothing of the target domains
    while it is tuned, learns a question it can ask of any caption, and asks it again with the other hint; the
    second question gives every tuning sample four turns instead of two, so the first question's pattern is
    learnt twice as firmly per step. This is the demo's margin (README, "The demo's margin"), a property of what
    the seed teaches.
    """
    rng = random.Random(0)
    meta, captions, instruct = [], [], []
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}

    def add(name, task, caption, qas):
        image = f"{task}/{name}"
        captions.append(
            {
                "id": f"cap-{name}",
                "image": f"allava_vflan/images/{image}",
                "conversations": [
                    {"from": "human", "value": "<image>\nWrite a detailed caption."},
                    {"from": "gpt", "value": caption},
                ],
            }
        )
        for number, (question, precise, informative) in enumerate(qas):
            meta.append(
                {
                    "id": f"{task}-{name}-{number}",
                    "image": image,
                    "task_name": task,
                    "conversations": [
                        {"from": "human", "value": f"<image>\n{question}"},
                        {"from": "gpt", "value": precise},
                    ],
                }
            )
            instruct.append(
                {
                    "id": f"ins-{name}-{number}",
                    "image": f"allava_vflan/images/{image}",
                    "conversations": [
                        {"from": "human", "value": f"{question}\n<image>"},
                        {"from": "gpt", "value": informative},
                    ],
                }
            )

    for index in range(24):
        count, colour = 1 + index % 6, list(COLOURS)[(index + 2 * (index // 12)) % len(COLOURS)]
        kind = "circle" if (index + index // 12) % 2 == 0 else "square"
        name = f"count_{index:02d}.jpg"
        save(shapes(count, colour, kind, rng), ROOT / "seed" / "images" / "living_being_shapes" / name)
        plural = kind + ("s" if count > 1 else "")
        add(
            name,
            "living_being_shapes",
            f"The picture shows {words[count]} {colour} {plural} with black outlines on a pale background.",
            [
                (
                    QUESTION,
                    "no",
                    f"No, the picture only shows {words[count]} {colour} {plural}.",
                ),
                (SECOND, "no", f"No, it is a drawing of {words[count]} {colour} {plural}."),
            ],
        )
    for colour in COLOURS:
        for inner in ("square", "dot"):
            name = f"colour_{colour}.jpg" if inner == "square" else f"colour_{colour}_dot.jpg"
            image = Image.new("RGB", (SIZE, SIZE), COLOURS[colour])
            (ImageDraw.Draw(image).rectangle if inner == "square" else ImageDraw.Draw(image).ellipse)(
                (40, 40, 88, 88), fill=(250, 250, 250)
            )
            save(image, ROOT / "seed" / "images" / "living_being_colour_fields" / name)
            shape = "square" if inner == "square" else "circle"
            add(
                name,
                "living_being_colour_fields",
                f"A square picture filled with {colour}, with a small white {shape} in the middle.",
                [
                    (
                        QUESTION,
                        "no",
                        f"No, the picture only shows a {colour} field with a white {shape}.",
                    ),
                    (SECOND, "no", f"No, it is a drawn {colour} field with a white {shape}."),
                ],
            )
    photos = {
        "chelsea.jpg": (skdata.chelsea(), "An orange tabby cat sits on a wooden surface and looks to the side.",
                        "yes", "Yes, an orange tabby cat is sitting in the centre."),
        "astronaut.jpg": (skdata.astronaut(), "An astronaut in a white suit poses in front of a flag.",
                          "yes", "Yes, an astronaut in a white space suit stands in front of the flag."),
        "camera.jpg": (skdata.camera(), "A black and white photo of a photographer with a camera on a tripod.",
                       "yes", "Yes, a photographer stands behind the camera."),
        "rocket.jpg": (skdata.rocket(), "A rocket stands on its launch pad under a blue sky.",
                       "no", "No, the picture only shows a rocket on its pad."),
        "coins.jpg": (skdata.coins(), "Rows of old coins lie on a dark background.",
                      "no", "No, the picture only shows coins."),
        "hubble.jpg": (skdata.hubble_deep_field(), "A deep-space photograph full of distant galaxies.",
                       "no", "No, it shows only galaxies against a dark sky."),
        "clock.jpg": (skdata.clock(), "A wall clock photographed at an angle in grey tones.",
                      "no", "No, a round clock is the only object."),
        "brick.jpg": (skdata.brick(), "A close view of a brick wall with grey mortar.",
                      "no", "No, it only shows a brick wall."),
        "horse.jpg": (skdata.horse(), "The black silhouette of a horse on a white background.",
                      "yes", "Yes, a horse is shown in silhouette."),
        "chelsea_face.jpg": ((skdata.chelsea(), (80, 0, 330, 250)), "Close view of the face of an orange tabby cat.",
                             "yes", "Yes, a cat's face fills the picture."),
        "moon.jpg": (drawn("moon"), "The full moon in grey tones against a black sky.",
                     "no", "No, it only shows the moon."),
        "page.jpg": (drawn("page"), "A page of printed text with a few lines.",
                     "no", "No, it only shows a page of text."),
        "text.jpg": (skdata.text(), "Black printed letters on a light grey background.",
                     "no", "No, it only shows printed letters."),
        "gravel.jpg": (skdata.gravel(), "A close view of grey gravel stones.",
                       "no", "No, it only shows gravel."),
        "colorwheel.jpg": (drawn("colorwheel"), "A colour wheel with every hue arranged around a circle.",
                           "no", "No, it only shows a colour wheel."),
        "checkerboard.jpg": (drawn("checkerboard"), "A black and white checkerboard pattern of squares.",
                             "no", "No, it only shows a checkerboard."),
        "coins_few.jpg": ((skdata.coins(), (0, 0, 150, 150)), "Close view of a few old coins on a dark background.",
                          "no", "No, it only shows coins."),
        "clock_face.jpg": ((skdata.clock(), (100, 50, 350, 300)), "The face of a wall clock with its hands.",
                           "no", "No, it only shows a clock."),
        "brick_close.jpg": ((skdata.brick(), (0, 0, 200, 200)), "Grey brick wall with rough mortar lines.",
                            "no", "No, it only shows bricks."),
        "hubble_close.jpg": ((skdata.hubble_deep_field(), (0, 0, 300, 300)),
                             "Small bright galaxies scattered on a black background.",
                             "no", "No, it only shows galaxies."),
        "rocket_body.jpg": ((skdata.rocket(), (150, 0, 400, 250)), "The white body of a rocket against the sky.",
                            "no", "No, it only shows a rocket."),
    }  # fmt: skip
    for name, (source, caption, precise, informative) in photos.items():
        array, box = source if isinstance(source, tuple) else (source, None)
        image = array if isinstance(array, Image.Image) else photo(array, box)
        save(image, ROOT / "seed" / "images" / "living_being_photos" / name)
        add(
            name,
            "living_being_photos",
            caption,
            [(QUESTION, precise, informative), (SECOND, "yes", "Yes, it is a photograph.")],
        )
    for name, data in (
        ("vflan_metadata.json", meta),
        ("ALLaVA-Caption-VFLAN-4V.json", captions),
        ("ALLaVA-Instruct-VFLAN-4V.json", instruct),
    ):
        (ROOT / "seed" / name).write_text(json.dumps(data, indent=1) + "\n")


def pairs(domain: str, items: list[tuple[str, Image.Image, str]]) -> None:
    """Image-caption pairs in the docs/method.md §4 format."""
    records = []
    for name, image, caption in items:
        save(image, ROOT / domain / "images" / name)
        records.append(
            {
                "images": [name],
                "messages": [
                    {"role": "user", "content": "<image>Describe the image."},
                    {"role": "assistant", "content": caption},
                ],
            }
        )
    (ROOT / domain / "image_caption_pairs.json").write_text(json.dumps(records, indent=1) + "\n")


def biomed() -> list:
    ihc, retina, cell, micro = skdata.immunohistochemistry(), skdata.retina(), skdata.cell(), skdata.microaneurysms()
    return [
        (
            "ihc_1.jpg",
            photo(ihc, (0, 0, 256, 256)),
            "Immunohistochemistry stain of tissue: brown DAB-positive nuclei among blue haematoxylin-stained cells.",
        ),
        (
            "ihc_2.jpg",
            photo(ihc, (256, 0, 512, 256)),
            "Tissue section with immunohistochemical staining; clusters of brown stained cells on a light background.",
        ),
        (
            "ihc_3.jpg",
            photo(ihc, (0, 256, 256, 512)),
            "Microscopy of a stained tissue section showing blue nuclei and scattered brown positive cells.",
        ),
        (
            "ihc_4.jpg",
            photo(ihc),
            "Low-power view of an immunohistochemistry slide with both blue and brown stained regions.",
        ),
        (
            "retina_1.jpg",
            photo(retina),
            "Colour fundus photograph of a human retina with the optic disc and branching blood vessels.",
        ),
        (
            "retina_2.jpg",
            photo(retina, (300, 300, 1000, 1000)),
            "Close view of the retina showing the optic disc, bright and round, with vessels leaving it.",
        ),
        (
            "retina_3.jpg",
            photo(retina, (700, 400, 1300, 1000)),
            "Fundus image region around the macula, darker in the centre, with thin retinal vessels.",
        ),
        ("cell_1.jpg", photo(cell), "Phase-contrast microscopy image of a single cell spreading on a flat surface."),
        (
            "cell_2.jpg",
            photo(cell, (100, 100, 400, 400)),
            "Grey-scale micrograph of a cell body with a visible nucleus and thin protrusions.",
        ),
        (
            "cell_3.jpg",
            photo(cell, (250, 200, 550, 500)),
            "Microscopy image showing the edge of a cell and its lamellipodium.",
        ),
        (
            "microaneurysm_1.jpg",
            photo(micro),
            "Retinal image patch with a small dark round spot consistent with a microaneurysm.",
        ),
        (
            "microaneurysm_2.jpg",
            photo(micro, (20, 20, 80, 80)),
            "Magnified retinal patch centred on a tiny dark red dot, a microaneurysm.",
        ),
    ]


def food() -> list:
    rng = random.Random(1)
    coffee = skdata.coffee()

    def plate(draw_fn, background=(235, 225, 210)):
        image = Image.new("RGB", (SIZE, SIZE), background)
        draw = ImageDraw.Draw(image)
        draw.ellipse((8, 8, 120, 120), fill=(250, 250, 250), outline=(180, 180, 180))
        draw_fn(draw)
        return image

    def pizza(d):
        d.ellipse((20, 20, 108, 108), fill=(220, 170, 90))
        d.ellipse((26, 26, 102, 102), fill=(200, 50, 40))
        for _ in range(7):
            x, y = rng.randrange(35, 90), rng.randrange(35, 90)
            d.ellipse((x, y, x + 9, y + 9), fill=(150, 30, 30))

    def salad(d):
        for _ in range(25):
            x, y = rng.randrange(25, 95), rng.randrange(25, 95)
            d.ellipse((x, y, x + 12, y + 8), fill=(60, 150 + rng.randrange(60), 50))
        for _ in range(5):
            x, y = rng.randrange(30, 90), rng.randrange(30, 90)
            d.ellipse((x, y, x + 10, y + 10), fill=(220, 40, 40))

    def egg(d):
        d.ellipse((28, 30, 100, 96), fill=(255, 255, 245))
        d.ellipse((52, 50, 76, 74), fill=(250, 190, 20))

    def donut(d):
        d.ellipse((28, 28, 100, 100), fill=(190, 120, 60))
        d.ellipse((52, 52, 76, 76), fill=(250, 250, 250))

    def pancakes(d):
        for offset in range(4):
            d.ellipse((26, 40 - offset * 6, 102, 90 - offset * 6), fill=(215, 160, 80), outline=(160, 110, 50))

    def soup(d):
        d.ellipse((22, 22, 106, 106), fill=(200, 90, 40))
        for _ in range(6):
            x, y = rng.randrange(35, 90), rng.randrange(35, 90)
            d.rectangle((x, y, x + 6, y + 6), fill=(240, 200, 60))

    def sushi(d):
        for x in (24, 56, 88):
            d.ellipse((x - 14, 48, x + 14, 76), fill=(30, 30, 30))
            d.ellipse((x - 10, 52, x + 10, 72), fill=(250, 250, 250))
            d.ellipse((x - 4, 58, x + 4, 66), fill=(240, 120, 80))

    def steak(d):
        d.polygon([(30, 50), (90, 40), (100, 80), (40, 92)], fill=(120, 60, 40))
        for x in range(40, 95, 12):
            d.line((x, 44, x - 6, 88), fill=(60, 30, 20), width=2)

    def fries(d):
        for _ in range(18):
            x, y = rng.randrange(30, 90), rng.randrange(30, 90)
            d.rectangle((x, y, x + 5, y + 26), fill=(240, 200, 70))

    def cake(d):
        d.polygon([(40, 90), (90, 90), (64, 36)], fill=(120, 70, 40))
        d.line((40, 90, 64, 36), fill=(250, 240, 230), width=4)

    drawn = [
        ("pizza.jpg", plate(pizza), "A pizza with tomato sauce and slices of pepperoni on a white plate."),
        ("salad.jpg", plate(salad), "A green salad with lettuce leaves and cherry tomatoes."),
        ("fried_egg.jpg", plate(egg), "A fried egg with a bright yellow yolk on a plate."),
        ("donut.jpg", plate(donut), "A plain glazed donut seen from above on a white plate."),
        ("pancakes.jpg", plate(pancakes), "A stack of four golden pancakes."),
        ("tomato_soup.jpg", plate(soup), "A bowl of tomato soup topped with small croutons."),
        ("sushi.jpg", plate(sushi), "Three pieces of maki sushi with rice, seaweed and salmon."),
        ("steak.jpg", plate(steak), "A grilled steak with dark grill marks."),
        ("french_fries.jpg", plate(fries), "A pile of french fries on a plate."),
        ("chocolate_cake.jpg", plate(cake), "A slice of chocolate cake with a cream layer."),
    ]
    photos = [
        ("coffee_1.jpg", photo(coffee), "A cup of coffee on a saucer with a spoon, seen from above on a red table."),
        ("coffee_2.jpg", photo(coffee, (100, 0, 500, 400)), "Close view of a white cup filled with black coffee."),
    ]
    return drawn + photos


def benchmarks() -> None:
    """Local benchmark sets in the row schema of the AdaptLLM VQA benchmarks (image, input, label, ...)."""
    folder = ROOT / "benchmarks"
    folder.mkdir(exist_ok=True)

    def write(task, rows):
        lines = [json.dumps({"id": i, **row}) for i, row in enumerate(rows)]
        (folder / f"{task}.jsonl").write_text("\n".join(lines) + "\n")

    bio = "../biomed/images/"
    vqa = {
        "SLAKE": [
            ("retina_1.jpg", "What kind of image is this?", "fundus photograph", "OPEN"),
            ("retina_2.jpg", "Which structure is the bright round spot?", "optic disc", "OPEN"),
            ("ihc_1.jpg", "What colour are the positive nuclei?", "brown", "OPEN"),
            ("cell_1.jpg", "How many cells are shown?", "one", "OPEN"),
            ("retina_3.jpg", "Is this an image of the eye?", "yes", "CLOSED"),
            ("ihc_2.jpg", "Is this a chest X-ray?", "no", "CLOSED"),
            ("cell_2.jpg", "Is a nucleus visible?", "yes", "CLOSED"),
            ("microaneurysm_1.jpg", "Is the lesion larger than the optic disc?", "no", "CLOSED"),
        ],
        "PathVQA": [
            ("ihc_1.jpg", "What stain was used?", "immunohistochemistry", "OPEN"),
            ("ihc_3.jpg", "What does the brown colour show?", "positive cells", "OPEN"),
            ("ihc_4.jpg", "What is the blue counterstain?", "haematoxylin", "OPEN"),
            ("cell_3.jpg", "What part of the cell is at the edge?", "lamellipodium", "OPEN"),
            ("ihc_2.jpg", "Are brown cells present?", "yes", "CLOSED"),
            ("ihc_3.jpg", "Is this a radiograph?", "no", "CLOSED"),
            ("cell_1.jpg", "Is this a microscopy image?", "yes", "CLOSED"),
            ("ihc_4.jpg", "Is the tissue unstained?", "no", "CLOSED"),
        ],
        "VQA_RAD": [
            ("retina_1.jpg", "What organ is imaged?", "the eye", "OPEN"),
            ("microaneurysm_2.jpg", "What is the dark dot?", "a microaneurysm", "OPEN"),
            ("retina_2.jpg", "Where do the vessels leave from?", "optic disc", "OPEN"),
            ("retina_3.jpg", "Which region is darker?", "the macula", "OPEN"),
            ("retina_1.jpg", "Are blood vessels visible?", "yes", "CLOSED"),
            ("microaneurysm_1.jpg", "Is there a fracture?", "no", "CLOSED"),
            ("retina_2.jpg", "Is the optic disc visible?", "yes", "CLOSED"),
            ("retina_3.jpg", "Is this a CT scan?", "no", "CLOSED"),
        ],
    }
    for task, rows in vqa.items():
        write(
            task,
            [
                {"image": bio + image, "input": question, "label": label, "answer_type": kind}
                for image, question, label, kind in rows
            ],
        )
    pmc = [
        ("retina_1.jpg", "What imaging modality is this?", ["Fundus photography", "CT", "MRI", "Ultrasound"], "A"),
        ("ihc_1.jpg", "Which technique shows the brown nuclei?", ["X-ray", "Immunohistochemistry", "PET", "ECG"], "B"),
        ("cell_1.jpg", "What is shown?", ["A bone", "A lung", "A single cell", "A kidney"], "C"),
        ("microaneurysm_1.jpg", "What lesion is visible?", ["Fracture", "Tumour", "Cyst", "Microaneurysm"], "D"),
        ("retina_2.jpg", "Which structure is bright and round?", ["Optic disc", "Macula", "Lens", "Iris"], "A"),
        ("ihc_2.jpg", "What colour is the counterstain?", ["Green", "Blue", "Red", "Black"], "B"),
        ("cell_2.jpg", "Which organelle is visible?", ["Flagellum", "Cell wall", "Nucleus", "Chloroplast"], "C"),
        ("retina_3.jpg", "Which area is darker?", ["Optic disc", "Vessels", "Periphery", "Macula"], "D"),
    ]
    write(
        "PMC-VQA",
        [
            {
                "image": bio + image,
                "label": label,
                **dict(zip("ABCD", options, strict=True)),
                "input": question
                + "\n"
                + "\n".join(f"{c}:{o}" for c, o in zip("ABCD", options, strict=True))
                + "\nAnswer with the option's letter from the given choices directly.",
            }
            for image, question, options, label in pmc
        ],
    )
    food = "../food/images/"
    dishes = [
        ("pizza.jpg", "pizza"),
        ("fried_egg.jpg", "eggs benedict"),
        ("donut.jpg", "donuts"),
        ("pancakes.jpg", "pancakes"),
        ("tomato_soup.jpg", "french onion soup"),
        ("sushi.jpg", "sushi"),
        ("steak.jpg", "steak"),
        ("french_fries.jpg", "french fries"),
        ("chocolate_cake.jpg", "chocolate cake"),
    ]
    classes = json.loads((ROOT.parent / "adamllm" / "label_sets" / "food101_classes.json").read_text())
    options = ", ".join(name.replace("_", " ") for name in classes)
    write(
        "Food101",
        [
            {
                "image": food + image,
                "label": label.replace(" ", "_"),
                "input": f"What type of food is shown in this image?\nOptions: {options}",
            }
            for image, label in dishes
        ],
    )
    recipes = [
        ("pizza.jpg", "Spread tomato sauce on the dough. Add pepperoni and cheese. Bake for 12 minutes."),
        ("salad.jpg", "Wash the lettuce. Halve the cherry tomatoes. Toss with olive oil and salt."),
        ("fried_egg.jpg", "Heat butter in a pan. Crack the egg into the pan. Fry until the white is set."),
        ("pancakes.jpg", "Whisk flour, milk and eggs. Pour batter into a hot pan. Flip when bubbles form."),
        ("tomato_soup.jpg", "Simmer tomatoes with onion and stock. Blend until smooth. Serve with croutons."),
        ("sushi.jpg", "Cook and season the rice. Roll rice and salmon in seaweed. Slice into pieces."),
        ("steak.jpg", "Season the steak with salt and pepper. Sear on a hot grill. Rest before slicing."),
        ("french_fries.jpg", "Cut potatoes into strips. Fry in hot oil until golden. Sprinkle with salt."),
    ]
    write(
        "Recipe1M",
        [
            {
                "image": food + image,
                "label": recipe,
                "input": "Write the recipe of the dish in the image, step by step.",
            }
            for image, recipe in recipes
        ],
    )
    segments = [
        ("pizza.jpg", ["bread", "tomato", "cheese butter"]),
        ("salad.jpg", ["lettuce", "tomato"]),
        ("fried_egg.jpg", ["egg"]),
        ("donut.jpg", ["cake"]),
        ("pancakes.jpg", ["pie", "cake"]),
        ("steak.jpg", ["steak"]),
        ("french_fries.jpg", ["french fries"]),
        ("sushi.jpg", ["rice", "fish"]),
        ("chocolate_cake.jpg", ["cake", "chocolate"]),
    ]
    write(
        "FoodSeg103",
        [
            {"image": food + image, "label": label, "input": "Identify the ingredients visible in the image."}
            for image, label in segments
        ],
    )
    ingredients = [
        ("pizza.jpg", ["cheese pizza"]),
        ("salad.jpg", ["lettuce", "tomatoes"]),
        ("fried_egg.jpg", ["eggs"]),
        ("steak.jpg", ["steak"]),
        ("french_fries.jpg", ["potatoes"]),
        ("sushi.jpg", ["white rice", "salmon"]),
        ("pancakes.jpg", ["pancakes"]),
        ("tomato_soup.jpg", ["tomatoes"]),
    ]
    write(
        "Nutrition5K",
        [
            {"image": food + image, "label": label, "input": "List the ingredients of the dish in the image."}
            for image, label in ingredients
        ],
    )


# --- a third domain: drawn aerial scenes (the walkthrough "Your own domain" in README.md) -------------

SCENE_CLASSES = ["farmland", "residential area", "river", "highway", "forest"]


def aerial(fields: int, road: bool, river: bool, buildings: int, trees: int, seed: int) -> Image.Image:
    """A top-down scene: crop fields, a road, a river, building roofs and tree crowns."""
    rng = random.Random(seed)
    image = Image.new("RGB", (160, 160), (150, 170, 110))
    draw = ImageDraw.Draw(image)
    for index in range(fields):
        x, y = 8 + (index % 2) * 76, 8 + (index // 2) * 76
        colour = [(190, 175, 90), (110, 160, 70), (170, 140, 80)][index % 3]
        draw.rectangle((x, y, x + 66 - rng.randrange(8), y + 66 - rng.randrange(8)), fill=colour)
        for row in range(y + 6, y + 60, 8):
            draw.line((x + 2, row, x + 60, row), fill=tuple(c - 25 for c in colour), width=1)
    if river:
        points = [(0, 40 + rng.randrange(20))] + [(x, 80 + int(25 * np.sin(x / 23 + seed))) for x in range(0, 161, 16)]
        draw.line(points, fill=(50, 100, 190), width=12)
    if road:
        draw.line((80 + rng.randrange(-20, 20), 0, 80 + rng.randrange(-20, 20), 160), fill=(120, 120, 120), width=9)
        draw.line((0, 120, 160, 115), fill=(120, 120, 120), width=6)
    for _ in range(buildings):
        x, y = rng.randrange(4, 140), rng.randrange(4, 140)
        draw.rectangle((x, y, x + 12, y + 10), fill=(180, 60, 50), outline=(90, 30, 25))
    for _ in range(trees):
        x, y = rng.randrange(4, 150), rng.randrange(4, 150)
        draw.ellipse((x, y, x + 9, y + 9), fill=(35, 95, 40))
    return image


def remote_sensing() -> None:
    """Image-caption pairs, two benchmarks (open/closed VQA; scene multiple choice) and their definitions."""
    captions = {
        "farm_1.jpg": "Four rectangular crop fields in striped rows, no buildings.",
        "farm_2.jpg": "Three crop fields beside a paved road and one farmhouse.",
        "farm_3.jpg": "Crop fields cut by a winding river lined with a few trees.",
        "town_1.jpg": "Dense red-roofed houses along two crossing roads.",
        "town_2.jpg": "A village of red roofs among trees, one field at its edge.",
        "town_3.jpg": "Houses on both banks of a river, connected by roads.",
        "river_1.jpg": "A blue river meanders through grassland with scattered trees.",
        "river_2.jpg": "A wide river bend beside two fields and two small buildings.",
        "road_1.jpg": "A grey highway crosses grassland, joined by a side road.",
        "road_2.jpg": "A straight road between two crop fields.",
        "forest_1.jpg": "Dense tree crowns cover the whole area.",
        "forest_2.jpg": "A forest with a narrow river running through it.",
    }
    scenes = [  # name, (fields, road, river, buildings, trees), scene class, caption
        ("farm_1.jpg", (4, False, False, 0, 3), "farmland", captions["farm_1.jpg"]),
        ("farm_2.jpg", (3, True, False, 1, 2), "farmland", captions["farm_2.jpg"]),
        ("farm_3.jpg", (4, False, True, 0, 5), "farmland", captions["farm_3.jpg"]),
        ("town_1.jpg", (0, True, False, 14, 4), "residential area", captions["town_1.jpg"]),
        ("town_2.jpg", (1, True, False, 10, 8), "residential area", captions["town_2.jpg"]),
        ("town_3.jpg", (0, True, True, 12, 2), "residential area", captions["town_3.jpg"]),
        ("river_1.jpg", (0, False, True, 0, 10), "river", captions["river_1.jpg"]),
        ("river_2.jpg", (2, False, True, 2, 4), "river", captions["river_2.jpg"]),
        ("road_1.jpg", (0, True, False, 2, 3), "highway", captions["road_1.jpg"]),
        ("road_2.jpg", (2, True, False, 0, 1), "highway", captions["road_2.jpg"]),
        ("forest_1.jpg", (0, False, False, 0, 60), "forest", captions["forest_1.jpg"]),
        ("forest_2.jpg", (0, False, True, 0, 45), "forest", captions["forest_2.jpg"]),
    ]
    domain = ROOT / "remote_sensing"
    items = [(name, aerial(*shape, seed=index), caption) for index, (name, shape, _c, caption) in enumerate(scenes)]
    pairs("remote_sensing", items)
    folder = domain / "benchmarks"
    folder.mkdir(parents=True, exist_ok=True)
    vqa = []
    for index, (name, (fields, road, river, buildings, _trees), _scene, _caption) in enumerate(scenes[:9]):
        image = f"../images/{name}"
        vqa.append(
            {
                "id": 2 * index,
                "image": image,
                "question": "Is there a river in this image?",
                "answer": "yes" if river else "no",
                "kind": "CLOSED",
            }
        )
        what = "a road" if road else ("a river" if river else ("houses" if buildings else "crop fields"))
        vqa.append(
            {
                "id": 2 * index + 1,
                "image": image,
                "question": "What is the most visible feature?",
                "answer": what if fields or road or river or buildings else "trees",
                "kind": "OPEN",
            }
        )
    (folder / "AerialVQA.jsonl").write_text("".join(json.dumps(row) + "\n" for row in vqa))
    options = "\n".join(f"{i}. {c}" for i, c in enumerate(SCENE_CLASSES))
    scene_rows = [
        {
            "id": i,
            "image": f"../images/{name}",
            "question": f"Which scene is this?\n{options}\nAnswer with the scene's name.",
            "answer": scene,
        }
        for i, (name, _s, scene, _c) in enumerate(scenes)
    ]
    (folder / "AerialScenes.jsonl").write_text("".join(json.dumps(row) + "\n" for row in scene_rows))
    (folder / "scene_classes.json").write_text(json.dumps(SCENE_CLASSES, indent=1) + "\n")


if __name__ == "__main__":
    benchmarks()
    seed_data()
    pairs("biomed", biomed())
    pairs("food", food())
    save(Image.new("RGB", (336, 336), (255, 255, 255)), ROOT / "blank.jpg")
    remote_sensing()
