"""The register fields' columns (``usecases.register`` holds their sections, checks and reading):
contact and supplier, risk and compliance, technical facts. An abstract model ``UseCase`` builds on,
so the use case's own module keeps to the use case."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from usecases.choices import ImpactLevel, Sourcing, Technique
from usecases.register import validate_assessments, web_address


class RegisterFields(models.Model):
    # Contact and supplier.
    contact_email = models.EmailField(
        "contact e-mail",
        blank=True,
        help_text="Where people can ask about this use case: a shared mailbox or a person's "
        "address. Not the owner, who signs.",
    )
    vendor = models.CharField(
        max_length=200, blank=True, help_text="The company that supplies the system or model."
    )
    sourcing = models.CharField(
        "built or bought", max_length=20, choices=Sourcing.choices, blank=True
    )
    # Risk and compliance.
    impact_level = models.CharField(
        "impact level",
        max_length=20,
        choices=ImpactLevel.choices,
        blank=True,
        help_text="Could its output significantly affect people's rights, safety or access to "
        "services? Empty until assessed.",
    )
    impact_justification = models.TextField(
        "impact justification",
        blank=True,
        help_text="Why the impact level is what it is; required where a presumed high-impact use "
        "case was determined not to be.",
    )
    personal_data = models.BooleanField(
        "uses personal data",
        null=True,
        blank=True,
        help_text="Does it use data about identifiable people? Empty: not stated.",
    )
    personal_data_kinds = models.TextField(
        "kinds of personal data",
        blank=True,
        help_text="Which personal data it uses, e.g. names, addresses, health or income data.",
    )
    impact_assessments = models.JSONField(
        "impact assessments",
        default=list,
        blank=True,
        validators=[validate_assessments],
        help_text="Each assessment done: its kind (DPIA, IAMA, PIA, AIA, FRIA, other), date and "
        "link.",
    )
    legal_basis = models.CharField(
        "legal basis",
        max_length=500,
        blank=True,
        help_text="The law or regulation that allows it, by its title.",
    )
    legal_basis_url = models.URLField(
        "legal basis link", max_length=500, blank=True, validators=[web_address]
    )
    human_oversight = models.TextField(
        "human oversight",
        blank=True,
        help_text="Who checks its output before it affects people, and how they can intervene "
        "or stop it.",
    )
    appeal_route = models.TextField(
        "appeal route",
        blank=True,
        help_text="How a person affected by an outcome can object or appeal, and to whom.",
    )
    independent_review = models.TextField(
        "independent review",
        blank=True,
        help_text="Who reviewed it independently of the team that built it, and when.",
    )
    monitoring = models.TextField(
        blank=True, help_text="How its performance and effects are watched once in use."
    )
    public_consultation = models.TextField(
        "public consultation",
        blank=True,
        help_text="How the people it affects were consulted or heard.",
    )
    pre_deployment_testing = models.TextField(
        "testing before deployment",
        blank=True,
        help_text="How it was tested for real-world performance before going live.",
    )
    potential_impacts = models.TextField(
        "potential impacts",
        blank=True,
        help_text="What could go wrong for people, and how that is mitigated.",
    )
    operator_training = models.TextField(
        "operator training",
        blank=True,
        help_text="How the people who operate it, or act on its output, are trained.",
    )
    # Technical facts.
    techniques = ArrayField(
        models.CharField(max_length=30, choices=Technique.choices),
        verbose_name="technique",
        default=list,
        blank=True,
        help_text="The kinds of technique it uses (the US inventory's classification).",
    )
    system_name = models.CharField(
        "system name",
        max_length=200,
        blank=True,
        help_text="The system it runs in, as the organisation names it.",
    )
    data_sources = models.TextField(
        "data sources", blank=True, help_text="The data it is trained on or works with."
    )
    outputs = models.TextField(blank=True, help_text="What it produces: scores, text, decisions.")
    code_url = models.URLField(
        "code link",
        max_length=500,
        blank=True,
        validators=[web_address],
        help_text="Where its source code is published, if it is.",
    )
    documentation_urls = ArrayField(
        models.URLField(max_length=500, validators=[web_address]),
        verbose_name="documentation links",
        default=list,
        blank=True,
        help_text="Links to its documentation, one per line.",
    )
    topic_area = models.CharField(
        "topic area",
        max_length=100,
        blank=True,
        help_text="The policy or business area, e.g. Health, Benefits, Law enforcement.",
    )

    class Meta:
        abstract = True
