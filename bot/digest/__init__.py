"""The scheduled channel digest: pure rules (`rules`), slot arithmetic (`schedule`), and the poster (`runner`)."""
