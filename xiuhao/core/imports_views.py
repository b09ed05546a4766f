def urlpatterns_for(config):
    return []
