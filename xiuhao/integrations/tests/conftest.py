"""Every outside call in these tests is answered by a recorded cassette (httpx.MockTransport); a
request nobody recorded fails the test instead of reaching the internet."""

import pytest

from .replay import Player, refuse_network


@pytest.fixture(autouse=True)
def _no_network(settings):
    settings.INTEGRATIONS_HTTP_TRANSPORT = refuse_network
    settings.SITE_URL = "https://svc.example.com"
    from xiuhao.integrations.notify import base

    base._warned_unconfigured.clear()


CHANNEL_SETTINGS = {
    "SMS_ALIYUN_ACCESS_KEY_ID": "testId", "SMS_ALIYUN_ACCESS_KEY_SECRET": "testSecret",
    "SMS_ALIYUN_SIGN_NAME": "修好售后", "SMS_ALIYUN_TEMPLATE_CODE": "SMS_71390007",
    "SMS_ALIYUN_TEMPLATE_PARAMS": {"title": "subject"}, "SMS_ALIYUN_REGION": "cn-hangzhou",
    "SMS_ALIYUN_ENDPOINT": "dysmsapi.aliyuncs.com",
    "SMS_TENCENT_SECRET_ID": "AKIDtestsecretid", "SMS_TENCENT_SECRET_KEY": "testsecretkey",
    "SMS_TENCENT_SDK_APP_ID": "1400006666", "SMS_TENCENT_SIGN_NAME": "修好售后", "SMS_TENCENT_TEMPLATE_ID": "1234567",
    "SMS_TENCENT_TEMPLATE_PARAMS": ["subject"], "SMS_TENCENT_REGION": "ap-guangzhou",
    "SMS_TENCENT_ENDPOINT": "sms.tencentcloudapi.com",
    "WECOM_CORP_ID": "ww0123456789abcdef", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "wecom-test-secret",
    "WECOM_API_BASE": "https://qyapi.weixin.qq.com",
    "DINGTALK_APP_KEY": "dingtestappkey", "DINGTALK_APP_SECRET": "dingtalk-test-secret",
    "DINGTALK_AGENT_ID": "2360000001", "DINGTALK_API_BASE": "https://oapi.dingtalk.com",
    "WECHAT_APP_ID": "wx0123456789abcdef", "WECHAT_APP_SECRET": "wechat-test-secret",
    "WECHAT_TEMPLATE_ID": "tmpl-notice-0001", "WECHAT_TEMPLATE_FIELDS": {"thing1": "subject", "thing2": "body"},
    "WECHAT_API_BASE": "https://api.weixin.qq.com",
}


@pytest.fixture
def configured(settings):
    """Every channel set up with the fake credentials the cassettes were recorded with."""
    for name, value in CHANNEL_SETTINGS.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def cassette(settings):
    """`cassette("wecom_send")` replays tests/cassettes/wecom_send.json; at the end every recorded
    request must have been made, in order, and nothing else."""
    players = []

    def load(*names):
        player = Player(names)
        players.append(player)
        settings.INTEGRATIONS_HTTP_TRANSPORT = player.transport
        return player

    yield load
    for player in players:
        player.assert_played()
