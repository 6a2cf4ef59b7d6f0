"""Deterministic ad copy (headline, body, call to action) written from a creative's attributes."""

from __future__ import annotations

import random
from dataclasses import dataclass

TONES = ("playful", "premium", "urgent", "informative")
COPY_LENGTHS = ("short", "medium", "long")


@dataclass(frozen=True)
class ProductVocabulary:
    """Words that make copy sound like it belongs to one product category."""

    brands: tuple[str, ...]
    nouns: tuple[str, ...]
    benefits: tuple[str, ...]
    features: tuple[str, ...]


CATEGORIES: dict[str, ProductVocabulary] = {
    "sneakers": ProductVocabulary(
        brands=("Stridewell", "Kinetic", "Loopline"),
        nouns=("runners", "sneakers", "trainers"),
        benefits=("lighter steps", "all-day comfort", "faster mornings"),
        features=("a recycled knit upper", "a foam sole that springs back", "grippy rubber"),
    ),
    "coffee": ProductVocabulary(
        brands=("Morrow Roasters", "Bean & Bloom", "Copperpot"),
        nouns=("cold brew", "espresso roast", "single-origin beans"),
        benefits=("a smoother morning", "deep, chocolatey notes", "a reason to slow down"),
        features=("beans roasted this week", "fair-trade farms", "a 12-hour cold steep"),
    ),
    "skincare": ProductVocabulary(
        brands=("Lumen Skin", "Dewhaus", "Maren"),
        nouns=("serum", "moisturiser", "night cream"),
        benefits=("skin that glows", "calm, hydrated skin", "a softer complexion"),
        features=("hyaluronic acid", "no added fragrance", "dermatologist-tested formulas"),
    ),
    "headphones": ProductVocabulary(
        brands=("Quietform", "Auralis", "Nodebeat"),
        nouns=("headphones", "earbuds", "studio cans"),
        benefits=("pure focus", "bass you can feel", "silence on demand"),
        features=("40-hour battery life", "adaptive noise cancelling", "memory-foam cushions"),
    ),
    "soda": ProductVocabulary(
        brands=("Fizzwick", "Popline", "Sunny Cola"),
        nouns=("sparkling soda", "citrus fizz", "craft cola"),
        benefits=("a brighter afternoon", "big, bubbly flavour", "zero guilt refreshment"),
        features=("real fruit juice", "no artificial sweeteners", "just 40 calories a can"),
    ),
    "snacks": ProductVocabulary(
        brands=("Crunchwell", "Nibbl", "Golden Acre"),
        nouns=("crisps", "trail mix", "protein bites"),
        benefits=("snacking without the slump", "serious crunch", "fuel between meetings"),
        features=("sea salt from Cornwall", "whole roasted nuts", "10 g of protein a pack"),
    ),
    "smartphone": ProductVocabulary(
        brands=("Vanta", "Orbit Mobile", "Clearline"),
        nouns=("phone", "smartphone", "handset"),
        benefits=("photos that pop at night", "a battery that lasts", "speed that keeps up"),
        features=("a 6.1-inch OLED display", "a 50 MP camera", "two-day battery life"),
    ),
}

_HEADLINES: dict[str, tuple[str, ...]] = {
    "playful": ("Hello, {benefit}!", "Meet your new {noun}", "Go on, treat yourself", "Oh yes, {noun}"),
    "premium": ("{brand}. Crafted.", "The art of {benefit}", "Quietly exceptional", "Made to last"),
    "urgent": ("Last chance for {noun}", "Don't miss out", "Today only", "Hurry, {noun} go fast"),
    "informative": ("{noun_cap} with {feature}", "How {brand} works", "Why we obsess over {benefit}",
                    "Built for {benefit}"),
}
_OFFER_HEADLINES: dict[str, tuple[str, ...]] = {
    "playful": ("{offer}? Yes please", "Psst: {offer}"),
    "premium": ("An invitation: {offer}",),
    "urgent": ("{offer} ends tonight", "{offer}, 48 hours only"),
    "informative": ("{offer} on all {noun}", "Now {offer}"),
}
_SENTENCES: dict[str, tuple[str, ...]] = {
    "playful": ("Your {noun} just got a glow-up.", "Warning: {benefit} may cause grinning.",
                "We put {feature} in, you bring the fun.", "Life's short, so grab {benefit}."),
    "premium": ("{brand} {noun}, made with {feature}.", "Designed for {benefit}, nothing less.",
                "Every detail considered, every time.", "Quiet confidence, from {brand}."),
    "urgent": ("Stock is running low.", "Order now and get {benefit} by Friday.",
               "Once they're gone, they're gone.", "Don't wait: {feature} sells out fast."),
    "informative": ("{brand} {noun} come with {feature}.", "Tested for {benefit} in daily use.",
                    "Compare the specs: {feature} as standard.", "Free returns within 30 days."),
}
_OFFERS = ("{pct}% off", "2 for 1", "free delivery over ${amount}", "save ${amount}")
_CTAS: dict[str, tuple[str, ...]] = {
    "playful": ("Try it", "Let's go", "Grab yours"),
    "premium": ("Discover", "Explore the range"),
    "urgent": ("Buy now", "Shop the sale", "Order today"),
    "informative": ("Learn more", "See details", "Compare models"),
}
_SENTENCE_COUNT = {"short": 1, "medium": 2, "long": 3}


@dataclass(frozen=True)
class AdCopy:
    """A creative's copy: short headline, 1-3 sentence body, call-to-action label."""

    headline: str
    body: str
    cta: str


def write_copy(*, product: str, tone: str, has_offer: bool, length: str, seed: int) -> AdCopy:
    """Write the headline, body and CTA for one creative; the same arguments give the same copy."""
    rnd = random.Random(seed)
    slots = _slots(CATEGORIES[product], rnd)
    if has_offer:
        headline = rnd.choice(_OFFER_HEADLINES[tone]).format(**slots)
    else:
        headline = rnd.choice(_HEADLINES[tone]).format(**slots)
    sentences = rnd.sample(_SENTENCES[tone], _SENTENCE_COUNT[length])
    body = " ".join(sentence.format(**slots) for sentence in sentences)
    if has_offer:
        # The offer leads the body so it survives truncation in narrow placements.
        body = f"{slots['offer'][0].upper()}{slots['offer'][1:]} this week. {body}"
    return AdCopy(headline=_capitalise(headline), body=body, cta=rnd.choice(_CTAS[tone]))


def _slots(vocabulary: ProductVocabulary, rnd: random.Random) -> dict[str, str]:
    noun = rnd.choice(vocabulary.nouns)
    offer = rnd.choice(_OFFERS).format(pct=rnd.choice((10, 15, 20, 25, 30, 40, 50)),
                                       amount=rnd.choice((5, 10, 20, 30)))
    return {
        "brand": rnd.choice(vocabulary.brands),
        "noun": noun,
        "noun_cap": _capitalise(noun),
        "benefit": rnd.choice(vocabulary.benefits),
        "feature": rnd.choice(vocabulary.features),
        "offer": offer,
    }


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
