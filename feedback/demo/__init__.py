"""Django-free demo simulator: generated creatives, a hidden client taste and simulated raters."""
