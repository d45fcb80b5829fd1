"""Every input rule is checked before any call goes out, and the error names the field and the rule."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yc_registry_provider import InvalidArgumentError, NotFoundError, RegistryClient
from yc_registry_provider.fake import FakeModel

BAD_LIST_ARGS = [
    ({"registry_id": "x" * 51}, "registry_id", "at most 50"),
    ({"folder_id": "f" * 51}, "folder_id", "at most 50"),
    ({"repository_name": "Crp/App"}, "repository_name", "must match"),
    ({"repository_name": "crp//app"}, "repository_name", "must match"),
    ({"repository_name": "crp/app-"}, "repository_name", "must match"),
    ({"registry_id": "crp", "page_size": 1001}, "page_size", "between 0 and 1000"),
    ({"registry_id": "crp", "page_size": -1}, "page_size", "between 0 and 1000"),
    ({"registry_id": "crp", "order_by": "size"}, "order_by", "comma-separated list"),
    ({"registry_id": "crp", "order_by": "name," * 30}, "order_by", "at most 100"),
    ({"registry_id": "crp", "filter": "name=crp/app"}, "filter", 'name="<registry_id>/<repository>"'),
    ({"registry_id": "crp", "filter": 'tag="v1"'}, "filter", 'name="<registry_id>/<repository>"'),
    ({"registry_id": "crp", "limit": 0}, "limit", "at least 1"),
    ({}, "folder_id", "one of repository_name, registry_id or folder_id is required"),
]


@pytest.mark.parametrize("kwargs,field,rule", BAD_LIST_ARGS)
def test_bad_list_arguments_fail_before_any_call(cloud: FakeModel, client: RegistryClient,
                                                 kwargs: dict, field: str, rule: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        client.list_images(**kwargs)
    assert caught.value.field == field
    assert field in str(caught.value) and rule in str(caught.value)
    assert sum(cloud.calls.values()) == 0


@pytest.mark.parametrize("image_id,rule", [("", "required"), ("i" * 51, "at most 50"), ("a b", "whitespace")])
def test_bad_image_ids_fail_before_any_call(cloud: FakeModel, client: RegistryClient, image_id: str, rule: str) -> None:
    for call in (client.get_image, client.delete_image):
        with pytest.raises(InvalidArgumentError, match=rule) as caught:
            call(image_id)
        assert caught.value.field == "image_id"
    assert sum(cloud.calls.values()) == 0


def test_delete_timeout_must_be_positive(cloud: FakeModel, client: RegistryClient) -> None:
    with pytest.raises(InvalidArgumentError, match="timeout"):
        client.delete_image("crpimage", timeout=0)
    assert sum(cloud.calls.values()) == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_arbitrary_strings_raise_nothing_but_invalid_argument(cloud: FakeModel, client: RegistryClient,
                                                              text: str) -> None:
    # given any string in any field, when the client is called, then either the client's own checks reject it
    # before any call goes out, or the API accepts it: the fake never has to reject what the client let through
    for call in (lambda: client.get_image(text),
                 lambda: list(client.list_images(registry_id=text, limit=1)),
                 lambda: list(client.list_images(repository_name=text, limit=1)),
                 lambda: list(client.list_images(folder_id="f", order_by=text, limit=1)),
                 lambda: list(client.list_images(folder_id="f", filter=text, limit=1))):
        calls_before = sum(cloud.calls.values())
        try:
            call()
        except InvalidArgumentError as exc:
            assert exc.field != "request", f"the API had to reject {text!r}: {exc}"
            assert sum(cloud.calls.values()) == calls_before
        except NotFoundError:
            pass
