import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, MembershipRole, TeamKind
from portfolio.models import Membership, Product, StrategicGoal, Team

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


def reviewer(**kwargs):
    return UserFactory(groups=[REVIEWERS_GROUP], **kwargs)


def admin_user(**kwargs):
    return UserFactory(groups=[ADMINS_GROUP], **kwargs)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    kind = TeamKind.BUSINESS


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.MEMBER


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    team = factory.SubFactory(TeamFactory)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicGoal

    title = factory.Sequence(lambda n: f"Goal {n}")
