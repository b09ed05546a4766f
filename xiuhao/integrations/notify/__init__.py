"""Notifier adapters for outside channels (see `xiuhao.core.notify` for the port).

Each module has a callable `adapter(notice)`; name it in `settings.NOTIFIERS` to turn the channel
on, e.g. `xiuhao.integrations.notify.wecom.adapter`. The adapters:

- `sms_aliyun`  — Aliyun Dysmsapi SendSms (RPC signature v1, HMAC-SHA1) to `User.phone`
- `sms_tencent` — Tencent Cloud SMS SendSms 2021-01-11 (TC3-HMAC-SHA256) to `User.phone`
- `wecom`       — WeCom application message (gettoken + message/send) to the user's WeCom userid
- `dingtalk`    — DingTalk work notice (gettoken + corpconversation/asyncsend_v2) to the DingTalk userid
- `wechat`      — WeChat Official Account template message (stable_token + template/send) to the openid

Every attempt for every recipient is written to `NotificationDelivery` (sent / failed / skipped);
an adapter never raises and one recipient's failure does not stop the others."""
