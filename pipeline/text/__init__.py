"""Text tools the stages share: Unicode views and offsets, dates, the place gazetteer, span sets, the rules loader."""
