"""Live handoff to staff: a citizen asks for a person (or is offered one after failed
answers), waits in a queue the console's inbox shows live, an agent claims the conversation
and replies through the same Rasa server, then hands it back to the bot (docs/handoff.md).

The state is kept in our database (:class:`dichvucong.db.models.Handoff`), so it is shared by
every Rasa server and survives restarts.
"""
