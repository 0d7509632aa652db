"""Photoroom's AI-backgrounds benchmark: five categories of five images, each with its prompt.

Taken from Photoroom's published competitor benchmark (its reference script): the image URLs are
public, the prompts are the benchmark's own, and the four seeds are the Photoroom app's. The
``photoroom_ai_backgrounds_benchmark`` DAG runs them; tests point the images at the emulator.
"""

from __future__ import annotations

SEEDS = [117879368, 55994449, 48672244, 65080068]
NEGATIVE_PROMPT = "oversaturated, ugly, 3d, render, cartoon, grain, low-res, kitsch, text, lens, camera"

#: category -> [{"image_url": ..., "prompt": ...}, ...]
CATEGORIES: dict[str, list[dict[str, str]]] = {
    "food": [
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Ffood%2F1.jpg?alt=media&token=850ab5be-a503-40f1-a270-c7cdcc62bdeb"
            ),
            "prompt": (
                "the image displays a plate of vegetables with succulents in the background. The "
                "image features a minimalistic and professional looking background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Ffood%2F2.png?alt=media&token=9c6e5512-efb8-47bc-b45d-01cb5b00b698"
            ),
            "prompt": (
                "a chocolate cupcake with blue frosting on a white marbled tray, with a pastel "
                "coloured table in the background"
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Ffood%2F3.jpg?alt=media&token=04851dba-83bc-4d24-9549-ad029a838c33"
            ),
            "prompt": ("a plate of chicken wings and dipping sauces on a black scampered wooden table."),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Ffood%2F4.jpeg?alt=media&token=191746c4-c528-4e2f-9e04-e1cac0b8d4b9"
            ),
            "prompt": (
                "the image displays a piece of bread with avocado and greens on top bathed in a "
                "golden light. It has been captured professionally, emphasizing the warm tones and "
                "gleaming highlights."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Ffood%2F5.jpeg?alt=media&token=97421dcf-14b0-4353-913e-03428341e274"
            ),
            "prompt": (
                "the image displays a bowl with bread and vegetables foregrounded against a "
                "breathtaking mountain sunset. The object is set against a picturesque scene of a "
                "mountain during sunset."
            ),
        },
    ],
    "cosmetic": [
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fcosmetic%2F1.jpeg?alt=media&token=837a3a2c-4621-44bc-84d7-ca1bafd7dad7"
            ),
            "prompt": (
                "the image displays a bottle with a pink substance surrounded by cherry blossom. The "
                "image features a minimalistic and professional looking background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fcosmetic%2F2.jpeg?alt=media&token=9327b3b6-68a6-4106-88cc-978afa5c048e"
            ),
            "prompt": (
                "the image displays a tube of false lashes in a bathroom. The image features a "
                "minimalistic and professional looking background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fcosmetic%2F3.png?alt=media&token=6c25d2aa-4a11-4b00-bac6-b98f59289b5c"
            ),
            "prompt": (
                "the image displays an orange plastic bottle with a pump top on a tropical beach on a "
                "bright day with a slightly blurred background of the ocean"
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fcosmetic%2F4.jpg?alt=media&token=be6075e1-b754-4f98-8937-cba8d234942d"
            ),
            "prompt": (
                "the image displays a tube of lotion on a cream marble countertop. The image features "
                "a minimalistic and professional looking background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fcosmetic%2F5.jpg?alt=media&token=982083a1-b8df-40f7-88cc-c9185670f162"
            ),
            "prompt": (
                "the image displays a spray bottle sitting on top on a table with a beautiful orange "
                "yellow sunset where the clouds are brightly lit from the sunset and a field is in "
                "the background slightly blurry"
            ),
        },
    ],
    "apparel": [
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fapparel%2F1.jpeg?alt=media&token=462bd079-f084-4a97-bdf5-51e1ea6454a3"
            ),
            "prompt": (
                "the image displays a jacket hanging on a wall standing against a baby blue "
                "background. The background is plain, textureless, doesn't have any discernible "
                "objects or patterns, and its color is baby blue"
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fapparel%2F2.jpg?alt=media&token=7666a271-93c8-4fa5-bf46-e550f2832189"
            ),
            "prompt": ("a baseball cap on a baseball field, with a bright sun in the background"),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fapparel%2F3.jpg?alt=media&token=3551ca21-e31a-4076-b810-1bc0aacbaceb"
            ),
            "prompt": (
                "a crocheted poncho on a fluffy blanket, with a soft green grass field in the background"
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fapparel%2F4.jpg?alt=media&token=4a2d0c5d-b44a-479f-bc35-64fcc3d3d366"
            ),
            "prompt": (
                "the image displays a group of three people standing set against an autumn-themed "
                "backdrop, captivating the essence of fall season."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fapparel%2F5.jpeg?alt=media&token=4624dafe-959b-4bfc-b230-7785780abcf7"
            ),
            "prompt": (
                "the image illustrates a person walking set against a breathtaking mountain view. It "
                "exudes a professionalism in composition and performance."
            ),
        },
    ],
    "jewelry": [
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fjewelry%2F1.jpg?alt=media&token=0afec946-38cf-4773-a96a-d0c158358557"
            ),
            "prompt": (
                "the image displays a ring with a pink stone on a cream marble countertop. The image "
                "features a minimalistic and professional looking background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fjewelry%2F2.jpg?alt=media&token=9b93ee57-9343-4611-8156-76c512149002"
            ),
            "prompt": (
                "a long necklace on a black velvet cushion, with a cream stone wall in the background"
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fjewelry%2F3.jpg?alt=media&token=925a455c-1b58-469d-95c7-7db4ff5ac61e"
            ),
            "prompt": (
                "the image displays a pair of earrings on a green marble countertop. The image "
                "features a minimalistic and professional looking background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fjewelry%2F4.jpg?alt=media&token=c694560d-951d-4fe5-8390-a4c5df846f51"
            ),
            "prompt": (
                "the image displays a pair of wedding rings sitting next to each other on a concrete "
                "countertop. The image features a minimalistic and professional looking background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fjewelry%2F5.jpg?alt=media&token=38205d4d-ce4f-4168-9a91-94d872aed3fe"
            ),
            "prompt": (
                "the image displays a necklace in a cozy home. The image features a minimalistic and "
                "professional looking background."
            ),
        },
    ],
    "people": [
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fpeople%2F1.jpg?alt=media&token=5b57a70d-e94d-4056-8e48-2b8a2c296028"
            ),
            "prompt": (
                "a person standing with their eyes closed on an old, twisted brick wall, with a grey "
                "field in the background"
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fpeople%2F2.jpg?alt=media&token=f0e8a0bb-9fd7-4cc3-bd90-b5655321d46d"
            ),
            "prompt": (
                "the image features a person walking on a boulder with a breathtaking mountain view "
                "in the background."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fpeople%2F3.jpg?alt=media&token=37ade83a-611e-4346-b4fe-5ee484f69ea3"
            ),
            "prompt": (
                "the image displays a person wearing glasses and a green shirt with New York in the "
                "background. The overall scenery in the background is typical and instantly "
                "transports you to New York"
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fpeople%2F4.jpg?alt=media&token=3569a732-9be2-4b2d-b685-c55a1093fca8"
            ),
            "prompt": (
                "the image displays a person riding a skateboard set against an autumn-themed "
                "backdrop, captivating the essence of fall season."
            ),
        },
        {
            "image_url": (
                "https://firebasestorage.googleapis.com/v0/b/photoroom-demos.appspot.com/o/api-benchmark%2F"
                "ai-backgrounds%2Fpeople%2F5.jpg?alt=media&token=38875d9b-8f48-4bec-a30a-ca10be2b86d5"
            ),
            "prompt": (
                "the image displays a person holding a suit case on a tropical beach on a bright day "
                "with a slightly blurred background of the ocean"
            ),
        },
    ],
}
