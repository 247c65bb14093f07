"""The people page's search box."""

from django import forms

# Longer than any name, username or e-mail address the page could match.
PEOPLE_SEARCH_MAX_LENGTH = 100


class PeopleSearchForm(forms.Form):
    """``?q=``: words to find in people's names, usernames and e-mail addresses."""

    q = forms.CharField(
        label="Search people",
        required=False,
        max_length=PEOPLE_SEARCH_MAX_LENGTH,
        strip=True,
        widget=forms.SearchInput(attrs={"placeholder": "Name, username or e-mail address"}),
        error_messages={
            "max_length": (
                f"Search for at most {PEOPLE_SEARCH_MAX_LENGTH} characters (this has "
                "%(show_value)d); everyone is listed meanwhile."
            ),
        },
    )

    def words(self) -> str:
        """What to search for: empty when the box is empty or not understood."""
        return self.cleaned_data["q"] if self.is_valid() else ""
