from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "atiende.people"
    label = "people"
    verbose_name = "people"
