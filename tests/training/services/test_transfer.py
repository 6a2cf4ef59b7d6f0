"""The transfer check on a small fixture: one client's model on another's clean labels."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import UserFactory
from tests.training.services.labelled import true_score
from tests.training.services.transfer_data import second_client
from training.services.execute import training_run_execute
from training.services.overrides import model_version_override
from training.services.runs import training_run_request
from training.services.scoring import score_creatives
from training.services.transfer import criterion_key, transfer_check_compute


@pytest.fixture
def two_agencies(labelled):
    """Client A (trained) and client B: the same creatives and taste, one criterion named alike, one not."""
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")
    run = training_run_execute(run_id=run.id)
    admin = UserFactory(is_superuser=True)
    if run.outcome != "promoted":
        # This small fixture's held-out split depends on database ids, and now and then one
        # criterion lands beyond the per-criterion margin; that rule has its own tests, these need
        # an active model, so an admin promotes it the way the product lets one.
        model_version_override(version=run.model_version, actor=admin, reason="Transfer-check fixture needs a model.")
    setup = second_client(labelled)
    return {**labelled, **setup, "admin": admin}


def _check(setup):
    return transfer_check_compute(actor=setup["admin"], client_slugs=[setup["client"].slug, setup["other"].slug])


def test_the_cell_matches_criteria_by_name_and_says_which(two_agencies):
    cell = _check(two_agencies).rows[0].cells[1]
    assert [c.name for c in cell.criteria] == [two_agencies["shared"].name]
    assert cell.criteria[0].model_criterion == two_agencies["criteria"][0].name
    assert cell.criteria[0].n == 30


def test_the_mae_is_the_models_own_score_of_the_same_creative_against_the_other_clients_consensus(two_agencies):
    cell = _check(two_agencies).rows[0].cells[1]
    originals = two_agencies["creatives"][:30]
    _, scored = score_creatives(client=two_agencies["client"], creative_ids=[c.id for c in originals])
    criterion_id = str(two_agencies["criteria"][0].id)
    predicted = {r["creative"]: r["scores_by_id"][criterion_id]["mean"] for r in scored}
    # The scores API averages dropout samples; the check uses the deterministic model, so allow a little.
    expected = sum(abs(predicted[c.id] - true_score(c, 0)) for c in originals) / len(originals)
    truth = [true_score(c, 0) for c in originals]
    mean = sum(truth) / len(truth)
    assert cell.criteria[0].mae == pytest.approx(expected, abs=0.1)
    assert cell.criteria[0].baseline_mae == pytest.approx(sum(abs(t - mean) for t in truth) / len(truth))


def test_a_model_of_the_same_taste_beats_guessing_the_other_clients_average(two_agencies):
    # Clearly closer than guessing (seen -0.27 to -0.5 over held-out splits of this small fixture).
    assert _check(two_agencies).rows[0].cells[1].criteria[0].relative < -0.15


def test_the_diagonal_is_the_models_stored_held_out_error_and_a_client_without_a_model_says_so(two_agencies):
    result = _check(two_agencies)
    own = result.rows[0].cells[0]
    assert own.own and own.criteria[0].mae is not None
    assert result.rows[1].note == "no active model"


def test_only_agency_admins_may_run_it(two_agencies):
    with pytest.raises(PermissionDenied):
        transfer_check_compute(actor=two_agencies["manager"],
                               client_slugs=[two_agencies["client"].slug, two_agencies["other"].slug])


def test_fewer_than_two_or_unknown_clients_are_refused_naming_the_field(two_agencies):
    for slugs in ([two_agencies["client"].slug], [two_agencies["client"].slug, "no-such-client"]):
        with pytest.raises(ValidationError) as caught:
            transfer_check_compute(actor=two_agencies["admin"], client_slugs=slugs)
        assert "clients" in caught.value.message_dict


def test_names_match_regardless_of_case_spaces_and_separators():
    assert criterion_key(" Brand-Fit ") == criterion_key("brand fit") == criterion_key("BRAND_FIT")
