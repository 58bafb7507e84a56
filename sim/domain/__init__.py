"""The domain model, without SimPy: patients, calendar, telephony, book, behaviour, campaigns, PMS state."""
