"""Apache Airflow provider for the Photoroom image-editing API."""

__version__ = "0.1.0"
