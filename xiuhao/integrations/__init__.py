"""Adapters to outside services behind the platform's ports: the notifier channels (SMS by Aliyun
or Tencent Cloud, WeCom, DingTalk, WeChat Official Account), the users' accounts on those
platforms and the delivery log."""
