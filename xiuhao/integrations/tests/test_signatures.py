"""The request signatures reproduce the worked examples in the vendors' documentation."""

from xiuhao.integrations.notify import sms_aliyun, sms_tencent

# Aliyun "Signature mechanism" (RPC, signature v1): DescribeRegions with testid / testsecret.
RPC_DOC_PARAMS = {
    "Timestamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26", "SignatureVersion": "1.0",
}
# Aliyun SMS "HTTP protocol and signature" example: SendSms with testId / testSecret.
SMS_DOC_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_the_aliyun_string_to_sign_matches_the_rpc_documentation():
    assert sms_aliyun.string_to_sign("GET", RPC_DOC_PARAMS) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
    )


def test_the_aliyun_signature_matches_the_rpc_documentation():
    assert sms_aliyun.signature("GET", RPC_DOC_PARAMS, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_the_aliyun_signature_matches_the_sms_documentation_with_a_chinese_sign_name():
    assert sms_aliyun.signature("GET", SMS_DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_an_existing_signature_parameter_is_left_out_of_the_string_to_sign():
    signed = {**SMS_DOC_PARAMS, "Signature": "zJDF+Lrzhj/ThnlvIToysFRq6t4="}
    assert sms_aliyun.signature("GET", signed, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_percent_encoding_follows_rfc_3986():
    assert sms_aliyun.percent_encode("a b*c~d/e+f") == "a%20b%2Ac~d%2Fe%2Bf"
    assert sms_aliyun.percent_encode("修") == "%E4%BF%AE"


# Tencent Cloud "Signature v3" example: DescribeInstances on cvm at 1551113065 (2019-02-25 UTC);
# the documentation prints the key as "Gu5t9xGARNpq86cd98joQYCN3*******" and signs with exactly that.
TC3_DOC_PAYLOAD = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'


def test_the_tencent_tc3_signature_matches_the_documentation():
    signature, scope = sms_tencent.tc3_signature(
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******", service="cvm", host="cvm.tencentcloudapi.com",
        payload=TC3_DOC_PAYLOAD, timestamp=1551113065)
    assert scope == "2019-02-25/cvm/tc3_request"
    assert signature == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"


def test_the_tencent_authorization_header_has_the_documented_form():
    assert sms_tencent.authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        service="cvm", host="cvm.tencentcloudapi.com", payload=TC3_DOC_PAYLOAD, timestamp=1551113065,
    ) == ("TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, "
          "SignedHeaders=content-type;host, "
          "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c")
