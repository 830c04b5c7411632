import json, hmac, hashlib, base64, urllib.parse, urllib.request, time, sys
n=int(sys.argv[1]); size=int(sys.argv[2])
att="QUJDREVGR0g="*(size//12)
events=[{"event":"inbound","ts":1764000000+i,"msg":{"raw_msg":"From: a\nSubject: x\n\n"+att+str(i),"email":"support@inbound.example.com","subject":"x"+str(i),"attachments":{"r.pdf":{"name":"r.pdf","type":"application/pdf","content":att}}}} for i in range(n)]
body=json.dumps(events,separators=(',',':'))
url="https://hooks.example.com/mandrill/events"
sig=base64.b64encode(hmac.new(b"k",(url+"mandrill_events"+body).encode(),hashlib.sha1).digest()).decode()
data=urllib.parse.urlencode({"mandrill_events":body}).encode()
t=time.time()
r=urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:26397/mandrill/events",data=data,headers={"X-Mandrill-Signature":sig,"Content-Type":"application/x-www-form-urlencoded"}))
print(r.status, len(data), time.time()-t)
