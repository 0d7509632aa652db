from tests.operators.conftest import image_server, local_images

__all__ = ["image_server", "local_images"]
