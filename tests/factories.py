import factory
from django.contrib.auth.models import Group, User

from metrics import models


def school_type(code="elementary"):
    return models.SchoolType.objects.get(code=code)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.District
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"d{n}")
    name_ja = factory.Sequence(lambda n: f"第{n}方面")
    name_en = factory.Sequence(lambda n: f"District {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.School

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name_ja = factory.Sequence(lambda n: f"テスト第{n}小学校")
    name_en = factory.Sequence(lambda n: f"Test School {n}")
    school_type = factory.LazyFunction(school_type)
    district = factory.SubFactory(DistrictFactory, code="d1")


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MonthlyReport

    school = factory.SubFactory(SchoolFactory)
    fiscal_year = 2020
    month = 4
    staff_count = 20
    over_80h_count = 2
    left_by_19_count = 15
    over_45h_count = 6
    over_100h_count = 1
    leave_days_total = 10
    leave_10plus_count = 0


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


def user_with_role(username, role, school=None):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    if school is not None:
        models.SchoolPrincipal.objects.create(user=user, school=school)
    return user
