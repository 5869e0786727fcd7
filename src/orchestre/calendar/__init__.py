"""The editorial calendar: dated variants as events, the iCalendar feed, CSV import and export."""
