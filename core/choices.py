"""Choices a page builds once and hands to many widgets."""

from django.utils.choices import BaseChoiceIterator


class FixedChoices(BaseChoiceIterator):
    """(value, label) pairs already in the form Django's widgets and fields hold them, kept as a
    tuple. Django takes an iterator of this kind as it is, where a list would be normalised pair
    by pair on every assignment (a chooser assigns its choices twice per render) and copied whole
    with every form: hundreds of units on each page with a unit chooser. Immutable, so a copy is
    the same object."""

    def __init__(self, pairs):
        self.pairs = tuple(pairs)

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self):
        return len(self.pairs)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self
